/*
 * EXPERIMENT ONLY, never shipped: bench/goodput compiles this over Paho v5 1.2.5's class of the same name
 * in a copy of the archive, to measure what Paho's byte-by-byte payload copies cost the agent. Paho's
 * class has only read(), so InputStream.read(byte[], int, int) copies every payload byte one call (and,
 * over a ByteArrayInputStream, one lock) at a time, twice per PUBLISH (MqttWireMessage, MqttPublish).
 * The only change is the bulk read below: the upstream fix we would propose. Same class, fields and
 * methods as Eclipse Paho's (EPL-2.0 / EDL-1.0), which it stands in for.
 */
package org.eclipse.paho.mqttv5.common.packet.util;

import java.io.IOException;
import java.io.InputStream;

public class CountingInputStream extends InputStream {
    private final InputStream inputStream;
    private int counter;

    public CountingInputStream(InputStream inputStream) {
        this.inputStream = inputStream;
    }

    @Override
    public int read() throws IOException {
        int i = inputStream.read();
        if (i != -1) counter++;
        return i;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = inputStream.read(b, off, len);
        if (n > 0) counter += n;
        return n;
    }

    public int getCounter() {
        return counter;
    }

    public void resetCounter() {
        counter = 0;
    }
}
