package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the two banks live and how the active one is switched; one file per backend. Each bank has a
 * folder in the data dir for its metadata (signed manifest, download bitmap); its image is a file there
 * (symlink backend) or a partition (bootloader backends).
 */
public interface BankBackend {
    /** The bank's metadata folder in the data dir. */
    Path bankDir(Bank bank);

    /** The bank's installed image. */
    Path imagePath(Bank bank);

    /** Where a download into the bank is written; the image itself when it is a partition. */
    default Path stagingPath(Bank bank) {
        return imagePath(bank);
    }

    /** The bank the device runs (or boots) now. */
    Bank pointedAt() throws IOException;

    /** Makes {@code bank} the one to run, on trial; durable when this returns. */
    void activate(Bank bank) throws IOException;

    /** The release in {@code bank} passed its trial. */
    default void markGood(Bank bank) throws IOException {}

    /** The release in {@code bank} failed: never boot it again. */
    default void markBad(Bank bank) throws IOException {}

    /** Bytes a new image in {@code bank} may take. */
    long capacity(Bank bank) throws IOException;

    /**
     * True when a bootloader picks the bank at boot, so that a pointer that disagrees with a trial in the
     * state file means the bootloader fell back (the boot counter ran out): the trial failed.
     */
    default boolean bootloaderDecides() {
        return false;
    }
}
