package io.reizi.agent.mqtt.client.paho;

import java.lang.reflect.Field;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.eclipse.paho.mqttv5.client.internal.CommsCallback;
import org.eclipse.paho.mqttv5.client.internal.CommsReceiver;
import org.eclipse.paho.mqttv5.client.internal.CommsSender;

/**
 * The executor handed to Paho, so that its connect does not sleep. Paho v5 1.2.5 starts its receiver, sender
 * and callback threads each with {@code submit()} while holding the task's private {@code lifecycle}
 * monitor, then polls the task's {@code isRunning()} with {@code Thread.sleep(100)}. The new thread needs
 * that monitor to mark itself running, so the first poll always fails: 300 ms of sleep per connect. Here
 * {@code submit()} returns only once the task runs: it waits on the task's lifecycle monitor, which hands
 * the monitor to the new thread, and Paho's first poll then succeeds.
 *
 * <p>Submitted tasks (Paho's long-lived threads, its connect and disconnect) each get a thread of their own,
 * as when Paho makes them itself, and behave like one: never interrupted, failures to the uncaught-exception
 * handler. Paho schedules nothing else here: its keep-alive pings go to the session's timer
 * ({@link ClientKeeper}); should a Paho version schedule a task, it gets one thread that ends when nothing is
 * pending.
 */
final class PromptStartExecutor extends ScheduledThreadPoolExecutor {
    /** Never wait longer than Paho's own first sleep would have. */
    private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    PromptStartExecutor() {
        super(1, Thread.ofPlatform().name("reizi-mqtt-timer").daemon().factory());
        setKeepAliveTime(5, TimeUnit.SECONDS);
        allowCoreThreadTimeOut(true);
        setRemoveOnCancelPolicy(true);
    }

    @Override
    public void execute(Runnable task) {
        start(task, task); // a plain thread: what it throws reaches the uncaught-exception handler
    }

    @Override
    public Future<?> submit(Runnable task) {
        return start(new UninterruptedTask<>(task, null), task);
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        return start(new UninterruptedTask<>(task, result), task);
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return start(new UninterruptedTask<>(task), null);
    }

    /**
     * Paho stops its threads by cancelling their futures with interruption when it was handed an executor
     * (threads it makes itself are never interrupted). An interrupt in the middle of our message handler
     * closes the file channel the chunk is written with (ClosedByInterruptException): the threads are left
     * to end by Paho's own lifecycle, as they do without an executor.
     */
    private static final class UninterruptedTask<T> extends FutureTask<T> {
        UninterruptedTask(Runnable task, T result) {
            super(task, result);
        }

        UninterruptedTask(Callable<T> task) {
            super(task);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return super.cancel(false);
        }

        /** What escapes Paho's thread reaches the uncaught-exception handler, as from a thread Paho made. */
        @Override
        protected void setException(Throwable t) {
            super.setException(t);
            Thread self = Thread.currentThread();
            self.getUncaughtExceptionHandler().uncaughtException(self, t);
        }
    }

    private static <F extends Runnable> F start(F run, Runnable task) {
        Thread.ofPlatform().name("reizi-mqtt").daemon().start(run);
        if (task != null) awaitRunning(task);
        return run;
    }

    /** For Paho's three lifecycle tasks: waits on their monitor (the caller holds it) until they run. */
    private static void awaitRunning(Runnable task) {
        BooleanSupplier running = switch (task) {
            case CommsReceiver r -> r::isRunning;
            case CommsSender s -> s::isRunning;
            case CommsCallback c -> c::isRunning;
            default -> null;
        };
        Object lifecycle = running == null ? null : lifecycleOf(task);
        if (lifecycle == null) return;
        long deadline = System.nanoTime() + MAX_WAIT_NANOS;
        synchronized (lifecycle) {
            try {
                while (!running.getAsBoolean() && System.nanoTime() < deadline) {
                    lifecycle.wait(1); // releases the monitor Paho's start() holds
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Object lifecycleOf(Runnable task) {
        try {
            Field field = task.getClass().getDeclaredField("lifecycle");
            field.setAccessible(true);
            return field.get(task);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // another Paho version: it sleeps as before, nothing worse
        }
    }
}
