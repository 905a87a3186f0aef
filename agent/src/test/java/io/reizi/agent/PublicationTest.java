package io.reizi.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.cli.PublishCommand;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.Kind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PublicationTest {
    private static final Keys.SigningKey KEY = Keys.generate(Keys.Alg.ED25519);
    private static final Path IMAGE = Path.of("v2.img");

    @Test
    void aDeviceReleaseHasTheDocumentedDefaults() {
        Publication p = Publication.builder("tcp://b:1883", "dev1", IMAGE, 2, KEY).build();
        assertEquals("dev1", p.target());
        assertFalse(p.group());
        assertEquals(Set.of(), p.expectDevices());
        assertEquals(Kind.IMAGE, p.kind());
        assertEquals(Publication.DEFAULT_CHUNK, p.chunk());
        assertEquals(Publication.DEFAULT_WINDOW, p.window());
        assertEquals(Duration.ofSeconds(Publication.DEFAULT_TIMEOUT_SECONDS), p.timeout());
        assertEquals("ota/firmware", p.firmwarePrefix(), "the contract's topic prefix");
        assertEquals("/ota/status", p.statusPrefix(), "the contract's status prefix, leading slash included");
        assertTrue(p.index(), "contract 1.1's chunk index unless asked not to");
        assertEquals(Optional.empty(), p.tls());
        assertEquals(Optional.empty(), p.hw());
    }

    @Test
    void toBuilderKeepsEverythingButWhatIsChanged() {
        Publication p = Publication.builder("tcp://b:1883", "dev1", IMAGE, 7, KEY).kind(Kind.JAR)
                .entry(Optional.of("com.example.App")).label(Optional.of("7.0")).chunk(4096)
                .hw(Optional.of(List.of("board-x"))).expires(Optional.of(1_900_000_000L)).timeout(Duration.ofSeconds(9))
                .prefixes("fw", "/st").window(3).build();
        Publication q = p.toBuilder().window(1).index(false).build();
        assertEquals(1, q.window());
        assertFalse(q.index());
        assertEquals(List.of(p.broker(), p.target(), p.image(), p.ver(), p.kind(), p.entry(), p.label(), p.chunk(),
                        p.hw(), p.expires(), p.timeout(), p.firmwarePrefix(), p.statusPrefix()),
                List.of(q.broker(), q.target(), q.image(), q.ver(), q.kind(), q.entry(), q.label(), q.chunk(), q.hw(),
                        q.expires(), q.timeout(), q.firmwarePrefix(), q.statusPrefix()));
    }

    @Test
    void aGroupNamesItsMembersAndADeviceUndoesIt() {
        Publication g = Publication.builder("tcp://b:1883", "unused", IMAGE, 2, KEY).group("fleet", Set.of("d1", "d2"))
                .build();
        assertTrue(g.group());
        assertEquals("fleet", g.target());
        assertEquals(Set.of("d1", "d2"), g.expectDevices());
        Publication d = g.toBuilder().device("d1").build();
        assertFalse(d.group());
        assertEquals(Set.of(), d.expectDevices());
    }

    @Test
    void badValuesAreRefusedWithTheirName() {
        assertThrows(IllegalArgumentException.class,
                () -> Publication.builder("tcp://b:1883", "dev1", IMAGE, 2, KEY).chunk(0).build());
        assertThrows(IllegalArgumentException.class,
                () -> Publication.builder("tcp://b:1883", "dev1", IMAGE, 2, KEY).window(0).build());
        IllegalArgumentException id = assertThrows(IllegalArgumentException.class,
                () -> Publication.builder("tcp://b:1883", "dev/1", IMAGE, 2, KEY).build());
        assertTrue(id.getMessage().contains("device id"), id.getMessage());
        IllegalArgumentException member = assertThrows(IllegalArgumentException.class,
                () -> Publication.builder("tcp://b:1883", "x", IMAGE, 2, KEY).group("fleet", Set.of("a+b")).build());
        assertTrue(member.getMessage().contains("device id"), member.getMessage());
    }

    /** The README's publish section quotes the builder's defaults (the one place they are written). */
    @Test
    void theReadmeQuotesTheBuildersDefaults() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String publish = readme.substring(readme.indexOf("### `reizi publish`"), readme.indexOf("### `reizi keygen`"));
        assertTrue(publish.contains("[--chunk " + Publication.DEFAULT_CHUNK + "]"), "--chunk default in README");
        assertTrue(publish.contains("[--timeout " + Publication.DEFAULT_TIMEOUT_SECONDS + "]"), "--timeout default in README");
        assertTrue(publish.contains(Publication.DEFAULT_WINDOW + " messages in flight"), "--window default in README");
        assertTrue(publish.contains("the default " + Publication.DEFAULT_CHUNK + " suits"), "--chunk default in README");
    }

    /** The defaults are written once: the publish command's help shows the builder's. */
    @Test
    void publishHelpShowsTheBuildersDefaults() {
        StringWriter out = new StringWriter();
        var cli = new picocli.CommandLine(new PublishCommand());
        cli.setOut(new PrintWriter(out));
        cli.execute("--help");
        String help = out.toString();
        assertTrue(help.contains("Default " + Publication.DEFAULT_CHUNK + ";"), help);
        assertTrue(help.contains("Default " + Publication.DEFAULT_TIMEOUT_SECONDS + "."), help);
        assertTrue(help.contains("Default " + Publication.DEFAULT_WINDOW + "."), help);
    }
}
