package io.reizi.bench;

import io.reizi.ota.transfer.Transfer;
import io.reizi.ota.wire.Chunk;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Sha256;
import java.util.BitSet;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The receive path's verification of one chunk: the transfer core's checks including SHA-256 of the data
 * (what the agent does per chunk), and plain SHA-256 for reference. Throughput in chunks per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChunkVerifyBench {
    @Param({"1024", "16384", "65536"})
    int chunk;

    Transfer transfer;
    Chunk message;
    byte[] data;

    @Setup
    public void setUp() {
        data = new byte[chunk];
        new Random(1).nextBytes(data);
        Manifest m = new Manifest("bench", 1, Optional.empty(), Kind.IMAGE, Optional.empty(), (long) chunk * 1024, chunk,
                1024, Sha256.text(new byte[32]), Optional.empty(), Optional.empty());
        transfer = new Transfer(m, new BitSet());
        message = ChunkCodec.of(1, 7, data);
    }

    @Benchmark
    public Object transferCheck() {
        return transfer.check(message);
    }

    @Benchmark
    public byte[] sha256() {
        return Sha256.digest(data);
    }
}
