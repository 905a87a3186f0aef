package io.reizi.agent;

import java.text.MessageFormat;
import java.util.ResourceBundle;

/**
 * Routes {@link System.Logger} (what the {@code ota} and {@code watchdog} modules log through, as they do not
 * know the agent) into {@link Log}, so that a repair warning reaches the journal as one line with its priority,
 * not as a two-line stderr record of java.util.logging. Debug and trace are dropped, as the agent logs none.
 */
public final class LogFinder extends System.LoggerFinder {
    @Override
    public System.Logger getLogger(String name, Module module) {
        return new ToLog(name);
    }

    private record ToLog(String name) implements System.Logger {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(Level level) {
            return level.getSeverity() >= Level.INFO.getSeverity() && level != Level.OFF;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (isLoggable(level)) write(level, thrown == null ? msg : msg + ": " + thrown);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (!isLoggable(level)) return;
            write(level, params == null || params.length == 0 ? format : MessageFormat.format(format, params));
        }

        private static void write(Level level, String msg) {
            switch (level) {
                case ERROR -> Log.error(msg);
                case WARNING -> Log.warn(msg);
                default -> Log.info(msg);
            }
        }
    }
}
