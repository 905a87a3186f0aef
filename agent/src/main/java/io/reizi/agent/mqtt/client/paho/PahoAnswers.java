package io.reizi.agent.mqtt.client.paho;

import io.reizi.agent.mqtt.client.MqttSessionException;
import io.reizi.agent.mqtt.client.MqttSessionException.Reason;
import io.reizi.agent.mqtt.client.PublishAck;
import javax.net.ssl.SSLException;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;

/** What Paho says (its exceptions' reason codes, its tokens), in the adapter's terms. */
final class PahoAnswers {
    private PahoAnswers() {}

    static MqttSessionException failure(String what, Throwable t) {
        if (!(t instanceof MqttException e)) return new MqttSessionException(Reason.FAILED, what + ": " + t, t);
        int code = e.getReasonCode();
        Reason reason = switch (code) {
            case MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED -> Reason.NOT_CONNECTED;
            case MqttClientException.REASON_CODE_MAX_INFLIGHT -> Reason.IN_FLIGHT_FULL;
            case MqttClientException.REASON_CODE_CLIENT_TIMEOUT -> Reason.TIMED_OUT;
            // A CONNACK's, SUBACK's or PUBACK's refusal, or the TLS handshake's.
            default -> code >= 0x80 && code <= 0xff || hasCause(e, SSLException.class) ? Reason.REFUSED : Reason.FAILED;
        };
        return new MqttSessionException(reason, what + ": " + e.getMessage() + " (" + code + ")", e);
    }

    /** The first reason code of the broker's answer (0 where there is none, as for QoS 0). */
    static PublishAck ack(IMqttToken token) {
        int[] codes = token.getReasonCodes();
        return new PublishAck(codes != null && codes.length > 0 ? codes[0] : 0);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) return true;
        }
        return false;
    }
}
