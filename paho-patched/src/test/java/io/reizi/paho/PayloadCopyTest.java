package io.reizi.paho;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttConnAck;
import org.eclipse.paho.mqttv5.common.packet.MqttDisconnect;
import org.eclipse.paho.mqttv5.common.packet.MqttPingResp;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.MqttPubAck;
import org.eclipse.paho.mqttv5.common.packet.MqttPublish;
import org.eclipse.paho.mqttv5.common.packet.MqttSubAck;
import org.junit.jupiter.api.Test;

/**
 * The defect of Paho v5 1.2.5's packet reader ({@code MqttInputStream}), shown on the released jar, and its absence on
 * ours: a received PUBLISH of N bytes is allocated three times (the packet read, the packet less its fixed header,
 * the payload copied out of that) — measured with the thread's allocation counter — where ours reads the payload once,
 * into the array the application gets. Both readers are driven as Paho's receiver drives them, over a stream of bytes.
 */
class PayloadCopyTest {
    private static final String READER = "org.eclipse.paho.mqttv5.client.wire.MqttInputStream";
    private static final String STATE = "org.eclipse.paho.mqttv5.client.internal.MqttState";
    private static final int INDEX_SIZE = 1_622_016; // a chunk index of 45,056 chunks (the rootfs pair of bench/delta)

    private static final ClassLoader stock = IsolatedPaho.STOCK;
    private static final ClassLoader patched = IsolatedPaho.PATCHED;

    @Test
    void aLargePublishIsAllocatedThreeTimesByTheStockReaderAndOnceByOurs() throws Exception {
        byte[] packet = IsolatedPaho.publishPacket(INDEX_SIZE, 1);
        long onStock = allocatedToRead(stock, packet);
        long onOurs = allocatedToRead(patched, packet);

        assertTrue(onStock >= 3L * INDEX_SIZE, "stock: " + onStock + " bytes allocated for a " + INDEX_SIZE + " B payload");
        assertTrue(onOurs >= INDEX_SIZE, "ours must still allocate the payload itself: " + onOurs);
        assertTrue(onOurs < INDEX_SIZE + 16 * 1024, "ours: " + onOurs + " bytes allocated for a " + INDEX_SIZE + " B payload");
    }

    /** Bytes the reading thread allocates to read one packet (after a first one, so that class loading is not counted). */
    private static long allocatedToRead(ClassLoader paho, byte[] packet) throws Exception {
        read(paho, IsolatedPaho.publishPacket(1024, 1), Long.MAX_VALUE);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        InputStream in = new ByteArrayInputStream(packet);
        Object reader = reader(paho, in, new Counters(Long.MAX_VALUE));
        long before = threads.getCurrentThreadAllocatedBytes();
        Object message = readMessage(reader);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals("MqttPublish", message.getClass().getSimpleName());
        return allocated;
    }

    @Test
    void everyKindOfPacketReadsAsOnTheStockReaderAcrossReadTimeoutsAtEveryByte() throws Exception {
        MqttProperties aliased = new MqttProperties();
        aliased.setTopicAlias(3);
        aliased.setSubscriptionIdentifier(9);
        MqttPublish qos2Duplicate = new MqttPublish("", new MqttMessage(IsolatedPaho.random(300, 7), 2, false, null), aliased);
        qos2Duplicate.setMessageId(65535);
        qos2Duplicate.setDuplicate(true);
        MqttPublish longTopic = new MqttPublish("t/".repeat(200), new MqttMessage(new byte[1], 0, false, null), null);
        MqttProperties manyProperties = new MqttProperties();
        manyProperties.setUserProperties(List.of(new org.eclipse.paho.mqttv5.common.packet.UserProperty("k".repeat(200), "v".repeat(200))));
        MqttPublish bigProperties = new MqttPublish("a", new MqttMessage(new byte[5], 1, false, null), manyProperties);
        bigProperties.setMessageId(1);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.write(IsolatedPaho.publishPacket(4096, 1));
        stream.write(IsolatedPaho.publishPacket(0, 0));
        stream.write(IsolatedPaho.encoded(qos2Duplicate));
        stream.write(IsolatedPaho.encoded(longTopic));
        stream.write(IsolatedPaho.encoded(bigProperties));
        stream.write(IsolatedPaho.encoded(new MqttConnAck(true, 0, new MqttProperties())));
        stream.write(IsolatedPaho.encoded(new MqttPubAck(0, 4242, new MqttProperties())));
        stream.write(IsolatedPaho.encoded(new MqttSubAck(new int[] {1}, new MqttProperties())));
        stream.write(IsolatedPaho.encoded(new MqttPingResp()));
        stream.write(IsolatedPaho.encoded(new MqttDisconnect(0, new MqttProperties())));
        byte[] bytes = stream.toByteArray();

        List<Object> fromStock = readAll(stock, new ByteArrayInputStream(bytes), 10, new Counters(Long.MAX_VALUE));
        Counters ours = new Counters(Long.MAX_VALUE);
        TimingOut timingOut = new TimingOut(bytes);
        List<Object> fromOurs = readAll(patched, timingOut, 10, ours);

        assertTrue(timingOut.timeouts > bytes.length / 2, "a timeout between every two bytes: " + timingOut.timeouts);
        assertEquals(bytes.length, ours.received, "every byte read is reported as received");
        for (int i = 0; i < fromStock.size(); i++) {
            Object expected = fromStock.get(i);
            Object actual = fromOurs.get(i);
            assertEquals(expected.getClass().getName(), actual.getClass().getName(), "packet " + i);
            assertArrayEquals(wire(expected), wire(actual), "packet " + i + " re-encoded: " + actual);
            if (actual.getClass().getSimpleName().equals("MqttPublish")) {
                Object expectedMessage = call(expected, "getMessage");
                Object actualMessage = call(actual, "getMessage");
                for (String getter : List.of("getQos", "isRetained", "isDuplicate", "getPayload", "getProperties")) {
                    Object want = call(expectedMessage, getter);
                    Object got = call(actualMessage, getter);
                    if (want instanceof byte[] b) assertArrayEquals(b, (byte[]) got, getter);
                    else assertEquals(String.valueOf(want), String.valueOf(got), getter + " of packet " + i);
                }
                assertEquals(call(expected, "getTopicName"), call(actual, "getTopicName"));
                assertEquals((Object) call(expected, "getMessageId"), call(actual, "getMessageId"));
            }
        }
    }

    @Test
    void aPacketOverTheIncomingMaximumIsRefusedBeforeItsSizeIsAllocated() throws Exception {
        byte[] packet = IsolatedPaho.publishPacket(INDEX_SIZE, 1);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (ClassLoader paho : List.of(stock, patched)) {
            Object reader = reader(paho, new ByteArrayInputStream(packet), new Counters(65536));
            long before = threads.getCurrentThreadAllocatedBytes();
            Exception refused = assertThrows(Exception.class, () -> readMessage(reader));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(51001, reasonCode(refused), "REASON_CODE_INCOMING_PACKET_TOO_LARGE: " + refused);
            if (paho == patched) assertTrue(allocated < 64 * 1024, "ours allocated " + allocated + " bytes first");
            else assertTrue(allocated >= INDEX_SIZE, "stock allocates the whole packet before its check: " + allocated);
        }
    }

    @Test
    void malformedPublishesAreRefusedAsMalformed() throws Exception {
        List<byte[]> malformed = new ArrayList<>();
        malformed.add(new byte[] {0x32, 3, 0, 9, 'a'});                      // topic longer than the packet
        malformed.add(new byte[] {0x36, 5, 0, 1, 'a', 0, 1});                // QoS 3
        malformed.add(new byte[] {0x30, 8, 0, 1, 'a', (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 1}); // property length of 5 bytes
        malformed.add(new byte[] {0x30, 4, 0, 1, 'a', 9});                   // properties longer than the packet
        malformed.add(new byte[] {0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1}); // remaining length of 5 bytes
        for (byte[] packet : malformed) {
            Object reader = reader(patched, new ByteArrayInputStream(packet), new Counters(Long.MAX_VALUE));
            Exception refused = assertThrows(Exception.class, () -> readMessage(reader), () -> java.util.HexFormat.of().formatHex(packet));
            assertEquals(50002, reasonCode(refused), "REASON_CODE_MALFORMED_PACKET: " + refused);
        }
    }

    @Test
    void theReaderInOurJarIsOurs() throws Exception {
        Class<?> ours = patched.loadClass(READER);
        Class<?> released = stock.loadClass(READER);
        assertEquals(patched, ours.getClassLoader());
        assertNotEquals(released.getClassLoader(), ours.getClassLoader());
        // the released reader keeps each packet's array in a field until the next packet; ours keeps none
        assertTrue(hasByteArrayField(released), "the released reader has its packet field");
        assertTrue(!hasByteArrayField(ours), "ours keeps no packet array");
    }

    private static boolean hasByteArrayField(Class<?> type) {
        for (var field : type.getDeclaredFields()) {
            if (field.getType() == byte[].class) return true;
        }
        return false;
    }

    // --- driving a reader as Paho's CommsReceiver does ---

    /** What the reader asks of Paho's client state: the incoming maximum and the count of bytes received. */
    private static final class Counters {
        final Long maximum;
        long received;

        Counters(long maximum) {
            this.maximum = maximum == Long.MAX_VALUE ? null : maximum;
        }
    }

    private static Object reader(ClassLoader paho, InputStream in, Counters counters) throws Exception {
        Class<?> state = paho.loadClass(STATE);
        Object proxy = Proxy.newProxyInstance(paho, new Class<?>[] {state}, (self, method, args) -> switch (method.getName()) {
            case "getIncomingMaximumPacketSize" -> counters.maximum;
            case "notifyReceivedBytes" -> {
                counters.received += (int) args[0];
                yield null;
            }
            default -> throw new UnsupportedOperationException(method.getName());
        });
        return paho.loadClass(READER).getConstructor(state, InputStream.class, String.class).newInstance(proxy, in, "test");
    }

    private static Object readMessage(Object reader) throws Exception {
        try {
            return reader.getClass().getMethod("readMqttWireMessage").invoke(reader);
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
    }

    private static Object read(ClassLoader paho, byte[] packet, long maximum) throws Exception {
        return readMessage(reader(paho, new ByteArrayInputStream(packet), new Counters(maximum)));
    }

    /** Reads {@code count} packets, calling again after each null (a read timeout), as Paho's receiver loop does. */
    private static List<Object> readAll(ClassLoader paho, InputStream in, int count, Counters counters) throws Exception {
        Object reader = reader(paho, in, counters);
        List<Object> messages = new ArrayList<>();
        int calls = 0;
        while (messages.size() < count) {
            assertTrue(++calls < 1_000_000, "the reader makes no progress");
            Object message = readMessage(reader);
            if (message != null) messages.add(message);
        }
        assertThrows(java.io.EOFException.class, () -> readMessage(reader), "nothing left over");
        return messages;
    }

    private static byte[] wire(Object message) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((byte[]) call(message, "getHeader"));
        out.write((byte[]) call(message, "getPayload"));
        return out.toByteArray();
    }

    private static Object call(Object target, String method) throws Exception {
        return target.getClass().getMethod(method).invoke(target);
    }

    private static int reasonCode(Exception e) throws Exception {
        return (int) e.getClass().getMethod("getReasonCode").invoke(e);
    }

    /** The bytes one at a time, with a socket read timeout before every one of them (Paho's socket has a 1 s one). */
    private static final class TimingOut extends InputStream {
        private final byte[] data;
        private int pos;
        private boolean timeOutNext = true;
        int timeouts;

        TimingOut(byte[] data) {
            this.data = data;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (pos >= data.length) return -1;
            if (timeOutNext) {
                timeOutNext = false;
                timeouts++;
                throw new SocketTimeoutException("Read timed out");
            }
            timeOutNext = true;
            b[off] = data[pos++];
            return 1;
        }
    }
}
