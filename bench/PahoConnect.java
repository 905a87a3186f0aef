import java.lang.reflect.Constructor;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;

/**
 * Paho connect time (CONNECT to CONNACK, its three threads started) with the threads Paho makes itself, which it
 * polls with Thread.sleep(100) until each runs, and with the agent's PromptStartExecutor; medians of N each, twice,
 * interleaved. Usage (a Mosquitto on PORT): java -cp "agent/target/reizi-agent.jar:$(ls agent/target/lib/*.jar | tr '\n' :)"
 * bench/PahoConnect.java tcp://127.0.0.1:PORT N
 */
public class PahoConnect {
    public static void main(String[] a) throws Exception {
        String url = a[0];
        int n = Integer.parseInt(a[1]);
        // package-private in the agent: by name (update it if the class moves)
        Class<?> c = Class.forName("io.reizi.agent.mqtt.client.paho.PromptStartExecutor");
        Constructor<?> k = c.getDeclaredConstructor();
        k.setAccessible(true);
        for (String mode : new String[] {"paho-threads", "prompt-start-executor", "paho-threads", "prompt-start-executor"}) {
            double[] ms = new double[n];
            for (int i = 0; i < n; i++) {
                ScheduledExecutorService ex = mode.equals("paho-threads") ? null : (ScheduledExecutorService) k.newInstance();
                MqttAsyncClient cl = new MqttAsyncClient(url, "ct-" + i, new MemoryPersistence(), null, ex);
                long t0 = System.nanoTime();
                cl.connect(new MqttConnectionOptions()).waitForCompletion(10_000);
                ms[i] = (System.nanoTime() - t0) / 1e6;
                cl.disconnect().waitForCompletion(5000);
                cl.close();
                if (ex != null) ex.shutdownNow();
            }
            Arrays.sort(ms);
            System.out.printf("%s: median %.1f ms, min %.1f, max %.1f (n=%d)%n", mode, ms[n / 2], ms[0], ms[n - 1], n);
        }
        System.exit(0);
    }
}
