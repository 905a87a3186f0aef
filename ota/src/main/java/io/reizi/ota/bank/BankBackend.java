package io.reizi.ota.bank;

import java.io.IOException;
import java.nio.file.Path;

/** Where the two banks live and how the active one is switched. One file per backend. */
public interface BankBackend {
    /** The folder holding a bank's image, its signed manifest and, while downloading, its staging files. */
    Path bankDir(Bank bank);

    /** The bank the device would run now (what the switch last pointed at). */
    Bank pointedAt() throws IOException;

    /** Atomically make {@code bank} the active one; durable when this returns. */
    void activate(Bank bank) throws IOException;

    /** Bytes a new image in {@code bank} may take (free space plus what the bank holds now). */
    long capacity(Bank bank) throws IOException;
}
