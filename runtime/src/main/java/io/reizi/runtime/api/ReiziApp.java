package io.reizi.runtime.api;

/**
 * What a `jar` release implements: the class named by the manifest's `entry`, with a public no-argument
 * constructor. The app sees only this package and the Java platform, never the agent's classes.
 */
public interface ReiziApp {
    /** Starts the app; {@link AppContext#previousState()} holds what the previous version's snapshot returned. */
    void start(AppContext context) throws Exception;

    /** Stops the app and releases what it holds (threads, sockets). */
    void stop() throws Exception;

    /** True once the app works; the new release must say so within the trial window. */
    boolean health();

    /** State to hand to the next version (or back to this one after a rollback); null for none. */
    default byte[] snapshot() {
        return null;
    }
}
