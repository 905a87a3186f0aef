package io.reizi.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Status;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunk indexes the agent holds from their retained topics: the one of a release it could install is held
 * whole until a manifest names it; the one of the installed release (which comes again with every connection and
 * is megabytes for a large image) is not held, yet a manifest naming it is answered as before. An index left on the
 * manifest's topic by another release is waited past; one that does not decode is refused. Whether the bytes
 * are held is seen by the collector: a weak reference to the published array is cleared once nothing holds it.
 */
class HeldIndexTest {
    private static final byte[] V1 = UpdatePhasesTest.V1;
    private static final byte[] V2 = UpdatePhasesTest.V2;
    private UpdateRig rig;

    @BeforeEach
    void installVer1(@TempDir Path dir) throws Exception {
        rig = new UpdateRig(dir, false);
        rig.bootInstalled(1, V1);
    }

    @Test
    void theInstalledReleasesIndexIsNotHeldAndItsManifestIsStillAnsweredCommitted() throws Exception {
        WeakReference<byte[]> published = sendIndex(UpdateRig.index(V1, 1));
        assertTrue(released(published), "the installed release's index is still held");

        rig.send(rig.indexedManifest(1, V1, UpdateRig.index(V1, 1)));
        assertEquals(List.of("committed"), rig.statusChain());
    }

    @Test
    void aNewerManifestNamingTheInstalledReleasesIndexIsRefusedMalformedAsBefore() throws Exception {
        byte[] v1Index = UpdateRig.index(V1, 1);
        WeakReference<byte[]> published = sendIndex(v1Index.clone());
        assertTrue(released(published), "the installed release's index is still held");

        rig.send(rig.indexedManifest(2, V2, v1Index));
        Status refused = rig.last();
        assertEquals(ErrorCode.MALFORMED, refused.error(), rig.statusChain().toString());
        assertTrue(refused.detail().contains("disagrees with the manifest (ver 2"), refused.detail());
        assertEquals(1, rig.state().activeVer());
    }

    @Test
    void aNewerReleasesIndexIsHeldUntilThatReleaseIsCommittedThenLetGo() throws Exception {
        WeakReference<byte[]> published = sendIndex(UpdateRig.index(V2, 2));
        assertFalse(released(published), "an index a manifest may still name must be held");

        rig.install(2, V2); // a version-1 manifest of the same release: the index stays unused
        assertEquals(2, rig.state().activeVer(), rig.statusChain().toString());
        assertTrue(released(published), "the index of the release just committed is still held");
    }

    @Test
    void anotherReleasesIndexLeftOnTheManifestsTopicIsWaitedPastNotRefused() throws Exception {
        rig.sendIndex(UpdateRig.index(V2, 3)); // retained from an earlier publication: it decodes, as release 3
        byte[] v2Index = UpdateRig.index(V2, 2);
        rig.send(rig.indexedManifest(2, V2, v2Index));
        assertTrue(rig.statusChain().stream().noneMatch(s -> s.contains("/")), rig.statusChain().toString());

        rig.sendIndex(v2Index);
        // The fill from the active release runs on a thread of its own: chunks are sent until the update is done.
        for (long deadline = System.nanoTime() + 10_000_000_000L; rig.state().activeVer() != 2
                && System.nanoTime() < deadline; Thread.sleep(20)) {
            rig.chunks(2, V2, 0, UpdateRig.count(V2));
        }
        assertEquals(2, rig.state().activeVer(), rig.statusChain().toString());
        assertTrue(rig.statusChain().stream().noneMatch(s -> s.contains("/")), rig.statusChain().toString());
    }

    @Test
    void anIndexThatDoesNotDecodeOnTheManifestsTopicIsRefusedMalformed() throws Exception {
        rig.sendIndex(new byte[] {(byte) 0xa1, 0x61, 'v', (byte) 0xff});
        rig.send(rig.indexedManifest(2, V2, UpdateRig.index(V2, 2)));
        Status refused = rig.last();
        assertEquals(ErrorCode.MALFORMED, refused.error(), rig.statusChain().toString());
        assertEquals(1, rig.state().activeVer());
    }

    /** Hands {@code index} to the agent and keeps only a weak reference to it. */
    private WeakReference<byte[]> sendIndex(byte[] index) {
        rig.sendIndex(index);
        return new WeakReference<>(index);
    }

    /** Whether the array was collected (nothing holds it), after up to five full collections. */
    private static boolean released(WeakReference<byte[]> ref) throws InterruptedException {
        for (int i = 0; i < 5 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        return ref.get() == null;
    }
}
