package io.reizi.agent.mqtt.client.paho;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.paho.mqttv5.client.MqttPingSender;
import org.eclipse.paho.mqttv5.client.TimerPingSender;
import org.eclipse.paho.mqttv5.client.internal.ClientComms;

/**
 * Paho's keep-alive pings on the link's timer (Paho's {@link TimerPingSender}), which the link shuts down as it
 * closes while Paho's receiver may still be taking packets: the next ping is then not scheduled, the connection
 * is going anyway. Paho's own sender throws {@link RejectedExecutionException} on its receiver thread there, which
 * the agent counted as an uncaught exception, a panic, in the middle of an orderly stop.
 */
final class LinkTimerPingSender implements MqttPingSender {
    private final ScheduledExecutorService timer;
    private final TimerPingSender pings;

    LinkTimerPingSender(ScheduledExecutorService timer) {
        this.timer = timer;
        this.pings = new TimerPingSender(timer);
    }

    @Override
    public void init(ClientComms comms) {
        pings.init(comms);
    }

    @Override
    public void start() {
        unlessClosing(pings::start);
    }

    @Override
    public void stop() {
        pings.stop();
    }

    @Override
    public void schedule(long delayInMilliseconds) {
        unlessClosing(() -> pings.schedule(delayInMilliseconds));
    }

    private void unlessClosing(Runnable step) {
        if (timer.isShutdown()) return;
        try {
            step.run();
        } catch (RejectedExecutionException e) {
            if (!timer.isShutdown()) throw e; // not the close: a real fault
        }
    }
}
