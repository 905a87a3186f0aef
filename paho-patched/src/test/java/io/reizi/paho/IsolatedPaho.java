package io.reizi.paho;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.MqttPublish;
import org.eclipse.paho.mqttv5.common.packet.MqttWireMessage;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/**
 * The released Paho jar and ours, each in a class loader of its own (under the platform loader), so that the class
 * a test exercises is the one that jar ships, whatever else is on the test class path; and the packets the tests feed
 * them, encoded by Paho's own (unchanged) encoders.
 */
final class IsolatedPaho {
    private IsolatedPaho() {}

    /** The released jar (one loader for the whole test run: the classes stay loaded, as in a client). */
    static final ClassLoader STOCK = isolated(System.getProperty("paho.stock.jar"));
    /** This module's classes: the released ones with ours in place. */
    static final ClassLoader PATCHED = isolated(System.getProperty("paho.patched.classes"));

    private static ClassLoader isolated(String jarOrFolder) {
        Path path = Path.of(jarOrFolder);
        assertTrue(path.toFile().exists(), path + " is missing: build with the reactor");
        try {
            return new URLClassLoader(new URL[] {path.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(jarOrFolder, e);
        }
    }

    /** A PUBLISH as a broker sends it, with the properties a publisher of chunks may set. */
    static byte[] publishPacket(int payloadSize, int qos) throws Exception {
        MqttProperties properties = new MqttProperties();
        properties.setContentType("application/cbor");
        properties.setMessageExpiryInterval(3600L);
        properties.setPayloadFormat(false);
        properties.setResponseTopic("ota/status/dev-1");
        properties.setCorrelationData(new byte[] {1, 2, 3, 4});
        properties.setUserProperties(List.of(new UserProperty("ver", "17"), new UserProperty("seq", "5")));
        MqttMessage message = new MqttMessage(random(payloadSize, payloadSize), qos, true, null);
        MqttPublish publish = new MqttPublish("ota/firmware/dev-1/chunk", message, properties);
        if (qos > 0) publish.setMessageId(4242);
        return encoded(publish);
    }

    /** A packet's bytes on the wire, as Paho's sender writes them. */
    static byte[] encoded(MqttWireMessage message) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(message.getHeader());
        out.write(message.getPayload());
        return out.toByteArray();
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
