package io.reizi.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogFinderTest {
    /** The service file registers the finder: a module's System.Logger is ours, not java.util.logging's. */
    @Test
    void systemLoggersOfTheModulesGoToTheAgentLog() {
        assertInstanceOf(LogFinder.class, System.LoggerFinder.getLoggerFinder());
        System.Logger logger = System.getLogger("io.reizi.ota.bank.StateStore");
        assertTrue(logger.isLoggable(System.Logger.Level.WARNING));
        assertFalse(logger.isLoggable(System.Logger.Level.DEBUG), "the agent logs no debug");
    }
}
