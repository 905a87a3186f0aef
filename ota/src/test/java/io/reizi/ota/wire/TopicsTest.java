package io.reizi.ota.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TopicsTest {
    @Test
    void theContractsDefaultTopicsWithTheStatusTopicsLeadingSlash() {
        Topics t = Topics.defaults();
        assertEquals("ota/firmware/dev-1/manifest", t.manifest("dev-1"));
        assertEquals("ota/firmware/dev-1/index", t.index("dev-1"));
        assertEquals("ota/firmware/lab/chunk", t.chunk("lab"));
        assertEquals("/ota/status/dev-1", t.status("dev-1"));
        assertEquals("/ota/status/+", t.anyStatus());
        assertEquals("/ota/status/#", t.allStatuses());
        assertEquals("ota/firmware/+/chunk", t.anyChunk());
    }

    @Test
    void configuredPrefixesLoseATrailingSlashOnly() {
        Topics t = new Topics("site/fw/", "/site/st/");
        assertEquals("site/fw/d/manifest", t.manifest("d"));
        assertEquals("/site/st/d", t.status("d"));
        assertEquals(new Topics("site/fw", "/site/st"), t);
    }

    @Test
    void aTopicsLastLevelSaysWhichFirmwareMessageItCarries() {
        Topics t = new Topics("x/y", "/s");
        for (Topics.Firmware f : Topics.Firmware.values()) {
            assertEquals(Optional.of(f), Topics.firmwareMessage(t.firmware("dev", f)));
        }
        assertEquals(Optional.empty(), Topics.firmwareMessage("/ota/status/dev"));
        assertEquals(Optional.empty(), Topics.firmwareMessage("ota/firmware/dev/chunks"));
        assertEquals(Optional.empty(), Topics.firmwareMessage("ota/firmware/dev/Manifest"));
        assertEquals(Optional.empty(), Topics.firmwareMessage("chunk/"));
    }
}
