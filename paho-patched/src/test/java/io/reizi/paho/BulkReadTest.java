package io.reizi.paho;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The defect of Paho v5 1.2.5's receive path, shown on the released jar, and its absence on ours: every PUBLISH
 * packet is copied through {@code CountingInputStream}, which has no bulk read, so the stream under it is read
 * one byte (and, for Paho's ByteArrayInputStream, one lock) at a time. Each side is loaded from its own jar or
 * folder in a class loader of its own, so the class under test is the one that jar ships, whatever else is on
 * the test class path; the decoded message must be the same from both.
 */
class BulkReadTest {
    private static final String COUNTING = "org.eclipse.paho.mqttv5.common.packet.util.CountingInputStream";
    private static final String WIRE = "org.eclipse.paho.mqttv5.common.packet.MqttWireMessage";

    private static final ClassLoader stock = IsolatedPaho.STOCK;
    private static final ClassLoader patched = IsolatedPaho.PATCHED;

    @Test
    void theLoadersHoldTheClassesTheyAreMeantTo() throws Exception {
        Class<?> stockClass = stock.loadClass(COUNTING);
        Class<?> patchedClass = patched.loadClass(COUNTING);
        assertEquals(stock, stockClass.getClassLoader());
        assertEquals(patched, patchedClass.getClassLoader());
        assertEquals(InputStream.class, stockClass.getMethod("read", byte[].class, int.class, int.class).getDeclaringClass(),
                "the released class has no bulk read of its own");
        assertEquals(patchedClass, patchedClass.getMethod("read", byte[].class, int.class, int.class).getDeclaringClass());
    }

    /** Paho's own use: DataInputStream.readFully through a CountingInputStream (MqttWireMessage, MqttPublish). */
    @Test
    void readFullyReadsTheStreamUnderneathOneByteAtATimeOnStockAndInBulkOnOurs() throws Exception {
        byte[] data = IsolatedPaho.random(1 << 20, 1);
        Counted onStock = readFullyThrough(stock, data);
        Counted onOurs = readFullyThrough(patched, data);

        assertArrayEquals(data, onStock.bytes);
        assertArrayEquals(data, onOurs.bytes);
        assertEquals(data.length, onStock.counter);
        assertEquals(data.length, onOurs.counter);
        assertTrue(onStock.calls >= data.length, "stock: " + onStock.calls + " reads for " + data.length + " bytes");
        assertTrue(onOurs.calls <= 2, "ours: " + onOurs.calls + " reads for " + data.length + " bytes");
    }

    private record Counted(byte[] bytes, long calls, int counter) {}

    private static Counted readFullyThrough(ClassLoader paho, byte[] data) throws Exception {
        CallCountingStream underneath = new CallCountingStream(data);
        InputStream counting = (InputStream) paho.loadClass(COUNTING).getConstructor(InputStream.class).newInstance(underneath);
        byte[] out = new byte[data.length];
        new DataInputStream(counting).readFully(out);
        int counter = (int) counting.getClass().getMethod("getCounter").invoke(counting);
        return new Counted(out, underneath.calls, counter);
    }

    /** Paho's receiver decodes each packet it read from the socket: the same message from both, in a handful of reads on ours. */
    @ParameterizedTest(name = "{0} B payload, QoS {1}")
    @CsvSource({"0, 0", "1, 1", "1024, 1", "16384, 2", "65536, 1", "1048576, 0"})
    void aPublishPacketDecodesToTheSameMessageWithFarFewerReads(int payloadSize, int qos) throws Exception {
        byte[] packet = IsolatedPaho.publishPacket(payloadSize, qos);

        Decoded fromStock = decode(stock, packet);
        Decoded fromOurs = decode(patched, packet);

        assertEquals("ota/firmware/dev-1/chunk", fromOurs.topic);
        assertEquals(qos, fromOurs.qos);
        assertEquals(qos == 0 ? 0 : 4242, fromOurs.messageId);
        assertArrayEquals(IsolatedPaho.random(payloadSize, payloadSize), fromOurs.payload);
        assertTrue(fromOurs.properties.contains("contentType=application/cbor"), fromOurs.properties);
        assertTrue(fromOurs.properties.contains("messageExpiryInterval=3600"), fromOurs.properties);

        assertEquals(fromStock.topic, fromOurs.topic);
        assertEquals(fromStock.qos, fromOurs.qos);
        assertEquals(fromStock.messageId, fromOurs.messageId);
        assertEquals(fromStock.retained, fromOurs.retained);
        assertEquals(fromStock.duplicate, fromOurs.duplicate);
        assertArrayEquals(fromStock.payload, fromOurs.payload);
        assertArrayEquals(fromStock.encodedProperties, fromOurs.encodedProperties);
        assertEquals(fromStock.properties, fromOurs.properties);

        assertTrue(fromStock.reads >= packet.length - 2, "stock: " + fromStock.reads + " reads of a " + packet.length + " B packet");
        assertTrue(fromOurs.reads <= 8, "ours: " + fromOurs.reads + " reads of a " + packet.length + " B packet");
    }

    private record Decoded(String topic, int qos, int messageId, boolean retained, boolean duplicate, byte[] payload,
            byte[] encodedProperties, String properties, long reads) {}

    /**
     * What MqttInputStream does with a packet it has read (MqttWireMessage.createWireMessage), through Paho's
     * private stream overload so that the reads of the stream it is handed can be counted.
     */
    private static Decoded decode(ClassLoader paho, byte[] packet) throws Exception {
        Class<?> wire = paho.loadClass(WIRE);
        Method create = wire.getDeclaredMethod("createWireMessage", InputStream.class);
        create.setAccessible(true);
        CallCountingStream stream = new CallCountingStream(packet);
        Object publish = create.invoke(null, stream);
        assertEquals("org.eclipse.paho.mqttv5.common.packet.MqttPublish", publish.getClass().getName());
        Object message = publish.getClass().getMethod("getMessage").invoke(publish);
        Object properties = publish.getClass().getMethod("getProperties").invoke(publish);
        return new Decoded(
                (String) publish.getClass().getMethod("getTopicName").invoke(publish),
                (int) message.getClass().getMethod("getQos").invoke(message),
                (int) wire.getMethod("getMessageId").invoke(publish),
                (boolean) message.getClass().getMethod("isRetained").invoke(message),
                (boolean) message.getClass().getMethod("isDuplicate").invoke(message),
                (byte[]) message.getClass().getMethod("getPayload").invoke(message),
                (byte[]) properties.getClass().getMethod("encodeProperties").invoke(properties),
                properties.toString(),
                stream.calls);
    }

    /** The bytes of an array, counting every call that reads them, single-byte or bulk. */
    private static final class CallCountingStream extends InputStream {
        private final byte[] data;
        private int pos;
        long calls;

        CallCountingStream(byte[] data) {
            this.data = data;
        }

        @Override
        public int read() {
            calls++;
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            calls++;
            if (len == 0) return 0;
            if (pos >= data.length) return -1;
            int n = Math.min(len, data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
