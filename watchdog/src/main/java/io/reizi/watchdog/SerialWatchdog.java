package io.reizi.watchdog;

import com.fazecast.jSerialComm.SerialPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An external watchdog MCU on a serial line: {@code KICK} and {@code TIMEOUT <ms>}, one per line, each
 * answered {@code OK} or {@code ERR}. A port that fails or stops answering is a fault the agent's
 * panic policy sees ({@link #healthy()}).
 */
public final class SerialWatchdog implements Watchdog {
    private static final int ANSWER_MS = 1000;
    private final String port;
    private final SerialPort serial;
    private final InputStream in;
    private final OutputStream out;
    private Duration timeout;
    private volatile boolean healthy = true;

    private SerialWatchdog(String port, SerialPort serial) {
        this.port = port;
        this.serial = serial;
        this.in = serial.getInputStream();
        this.out = serial.getOutputStream();
    }

    public static SerialWatchdog open(String port, int baud, Duration timeout) throws IOException {
        SerialPort serial = SerialPort.getCommPort(port);
        serial.setComPortParameters(baud, 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
        serial.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, ANSWER_MS, 0);
        if (!serial.openPort()) throw new IOException("cannot open serial watchdog port " + port);
        SerialWatchdog w = new SerialWatchdog(port, serial);
        w.setTimeout(timeout);
        return w;
    }

    @Override
    public String name() {
        return "serial " + port;
    }

    @Override
    public synchronized void kick() throws IOException {
        command("KICK");
    }

    @Override
    public synchronized Duration setTimeout(Duration wanted) throws IOException {
        command("TIMEOUT " + wanted.toMillis());
        timeout = wanted;
        return wanted;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    /** False once the port failed or the MCU stopped answering. */
    public boolean healthy() {
        return healthy;
    }

    private void command(String line) throws IOException {
        try {
            out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = readLine();
            if (!answer.equals("OK")) throw new IOException(name() + " answered '" + answer + "' to " + line);
        } catch (IOException | RuntimeException e) {
            healthy = false;
            throw e instanceof IOException io ? io : new IOException(name() + ": " + e.getMessage(), e);
        }
    }

    private String readLine() throws IOException {
        StringBuilder b = new StringBuilder();
        long deadline = System.nanoTime() + ANSWER_MS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            int c = in.read();
            if (c < 0) break;
            if (c == '\n') return b.toString().strip();
            b.append((char) c);
        }
        throw new IOException(name() + " did not answer within " + ANSWER_MS + " ms");
    }

    @Override
    public void close(boolean disarm) {
        serial.closePort();
    }
}
