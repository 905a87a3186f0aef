package org.eclipse.paho.mqttv5.client.wire;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.internal.MqttState;
import org.eclipse.paho.mqttv5.client.logging.Logger;
import org.eclipse.paho.mqttv5.client.logging.LoggerFactory;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttDataTypes;
import org.eclipse.paho.mqttv5.common.packet.MqttPublish;
import org.eclipse.paho.mqttv5.common.packet.MqttWireMessage;

/*
 * Reizi's own class (written for this project, not derived from Paho's source), shipped by module paho-patched in
 * place of Eclipse Paho MQTT v5 1.2.5's org.eclipse.paho.mqttv5.client.wire.MqttInputStream, with the same public
 * constructor and methods (Paho's CommsReceiver calls them).
 *
 * Why: the released class reads each packet into an array of its full size, which it keeps until the next packet;
 * MqttWireMessage.createWireMessage then copies all of it but the fixed header into a second array, and
 * MqttPublish(byte, byte[]) copies the payload out of that into a third. A PUBLISH of N bytes allocates ~3N: for the
 * 1.6 MB chunk index of a root file system that is ~5 MB of megabyte arrays through a 2 MB eden, promoted, resident
 * (docs/benchmarks.md, "Delta update: the chunk index decoded in place"). Here a PUBLISH's variable header (topic,
 * packet identifier, properties: tens of bytes) is read into an array of its own, and its payload straight from the
 * stream into the one array the application receives: N bytes and the header. Paho's own code still decodes the
 * fixed header's length, the topic and the properties (MqttDataTypes, MqttPublish), so they are checked as before.
 * Other packets (acknowledgements, CONNACK, DISCONNECT, AUTH: small) are decoded by createWireMessage as before.
 *
 * Kept from the released class's contract: a socket read timeout (Paho's TCP socket has a 1 s one) returns null and
 * the next call continues the same packet; an incoming maximum packet size is enforced (here before anything of the
 * packet's size is allocated); every byte read is reported to MqttState.notifyReceivedBytes (the keep-alive's
 * evidence of inbound traffic). Also here, not in the released class: a timeout inside the fixed header no longer
 * loses the packet's framing, and a PUBLISH with QoS 3 is refused as malformed when it arrives.
 */
public class MqttInputStream extends InputStream {
	private static final String CLASS_NAME = MqttInputStream.class.getName();
	private static final int MAX_FIXED_HEADER = 5; // one byte of type and flags, one to four of remaining length

	private final Logger log = LoggerFactory.getLogger(LoggerFactory.MQTT_CLIENT_MSG_CAT, CLASS_NAME);
	private final MqttState clientState;
	private final DataInputStream in;

	/** The packet being read; null between packets. */
	private Incoming packet;

	public MqttInputStream(MqttState clientState, InputStream in, String clientId) {
		this.clientState = clientState;
		this.in = new DataInputStream(in);
		log.setResourceName(clientId);
	}

	@Override
	public int read() throws IOException {
		return in.read();
	}

	@Override
	public int available() throws IOException {
		return in.available();
	}

	@Override
	public void close() throws IOException {
		in.close();
	}

	/**
	 * Reads one packet, or returns null when the stream's read timeout expired first: the next call then continues
	 * the same packet where this one stopped.
	 */
	public MqttWireMessage readMqttWireMessage() throws IOException, MqttException {
		if (packet == null) {
			packet = new Incoming();
		}
		try {
			MqttWireMessage message = packet.read();
			packet = null;
			// @TRACE 530= Received {0}
			log.fine(CLASS_NAME, "readMqttWireMessage", "530", new Object[] {message});
			return message;
		} catch (SocketTimeoutException e) {
			return null;
		} catch (IOException | MqttException | RuntimeException e) {
			packet = null; // the connection is lost with it; nothing of this packet is kept
			throw e;
		}
	}

	/** Bytes read into an array up to a mark, across read timeouts. */
	private static final class Filling {
		byte[] bytes;
		int filled;

		Filling(int size) {
			bytes = new byte[size];
		}

		void growTo(int size) {
			if (size > bytes.length) {
				bytes = Arrays.copyOf(bytes, size);
			}
		}
	}

	/** Reads until {@code into} holds {@code upTo} bytes; a timeout leaves what was read counted in it. */
	private void fill(Filling into, int upTo) throws IOException {
		while (into.filled < upTo) {
			int n = in.read(into.bytes, into.filled, upTo - into.filled);
			if (n < 0) {
				throw new EOFException();
			}
			into.filled += n;
			clientState.notifyReceivedBytes(n);
		}
	}

	/** One packet in the making: fixed header, then either a PUBLISH's two parts or another packet's body. */
	private final class Incoming {
		private final Filling fixedHeader = new Filling(MAX_FIXED_HEADER);
		private int remaining = -1;
		private Filling variableHeader; // PUBLISH: topic, packet identifier, properties
		private int variableHeaderLength = -1;
		private Filling payload;        // PUBLISH: what the application receives
		private Filling body;           // any other packet: the whole packet, fixed header first

		MqttWireMessage read() throws IOException, MqttException {
			if (remaining < 0) {
				readFixedHeader();
			}
			if (type() != MqttWireMessage.MESSAGE_TYPE_PUBLISH) {
				return readOther();
			}
			if (variableHeaderLength < 0) {
				readVariableHeader();
			}
			if (payload == null) {
				payload = new Filling(remaining - variableHeaderLength);
			}
			fill(payload, payload.bytes.length);
			return publish();
		}

		private byte type() {
			return (byte) ((fixedHeader.bytes[0] >>> 4) & 0x0F);
		}

		private byte flags() {
			return (byte) (fixedHeader.bytes[0] & 0x0F);
		}

		private void readFixedHeader() throws IOException, MqttException {
			if (fixedHeader.filled == 0) {
				fill(fixedHeader, 1);
				byte type = type();
				if (type < MqttWireMessage.MESSAGE_TYPE_CONNECT || type > MqttWireMessage.MESSAGE_TYPE_AUTH) {
					throw new MqttException(MqttClientException.REASON_CODE_INVALID_MESSAGE);
				}
				MqttWireMessage.validateReservedBits(type, flags());
			}
			while (fixedHeader.filled == 1 || continues(fixedHeader.bytes[fixedHeader.filled - 1])) {
				if (fixedHeader.filled == MAX_FIXED_HEADER) {
					throw new MqttException(MqttException.REASON_CODE_MALFORMED_PACKET);
				}
				fill(fixedHeader, fixedHeader.filled + 1);
			}
			int length = variableByteInteger(fixedHeader.bytes, 1, fixedHeader.filled - 1);
			Long maximum = clientState.getIncomingMaximumPacketSize();
			if (maximum != null && (long) fixedHeader.filled + length > maximum) {
				throw new MqttException(MqttClientException.REASON_CODE_INCOMING_PACKET_TOO_LARGE);
			}
			remaining = length;
		}

		/** Topic length, topic, packet identifier (QoS 1 and 2), property length, properties: read as far as each is known. */
		private void readVariableHeader() throws IOException, MqttException {
			int qos = (flags() >> 1) & 0x03;
			if (qos == 3) {
				throw new MqttException(MqttException.REASON_CODE_MALFORMED_PACKET);
			}
			if (variableHeader == null) {
				variableHeader = new Filling(Math.min(remaining, 64));
			}
			need(2);
			int propertiesAt = 2 + topicLength() + (qos > 0 ? 2 : 0);
			int lastLengthByte = propertiesAt; // the property length: one to four bytes
			need(lastLengthByte + 1);
			while (continues(variableHeader.bytes[lastLengthByte])) {
				if (++lastLengthByte - propertiesAt == 4) {
					throw new MqttException(MqttException.REASON_CODE_MALFORMED_PACKET);
				}
				need(lastLengthByte + 1);
			}
			int propertiesFrom = lastLengthByte + 1;
			int end = propertiesFrom + variableByteInteger(variableHeader.bytes, propertiesAt, propertiesFrom - propertiesAt);
			need(end);
			variableHeaderLength = end;
		}

		private int topicLength() {
			return ((variableHeader.bytes[0] & 0xFF) << 8) | (variableHeader.bytes[1] & 0xFF);
		}

		/** Reads the variable header up to {@code upTo} bytes, which must lie inside the packet (again: a no-op). */
		private void need(int upTo) throws IOException, MqttException {
			if (upTo > remaining) {
				throw new MqttException(MqttException.REASON_CODE_MALFORMED_PACKET);
			}
			variableHeader.growTo(upTo);
			fill(variableHeader, upTo);
		}

		/** Paho decodes topic and properties from the variable header alone, then gets the payload as read. */
		private MqttWireMessage publish() throws IOException, MqttException {
			byte[] header = variableHeader.bytes.length == variableHeaderLength ? variableHeader.bytes
					: Arrays.copyOf(variableHeader.bytes, variableHeaderLength);
			MqttPublish publish = new MqttPublish(flags(), header);
			if (publish.getPayloadLength() != 0) {
				throw new MqttException(MqttException.REASON_CODE_MALFORMED_PACKET); // Paho read its header otherwise
			}
			MqttMessage message = new MqttMessage(payload.bytes, publish.getQoS(), (flags() & 0x01) != 0, null);
			message.setDuplicate((flags() & 0x08) != 0);
			publish.setMessage(message);
			return publish;
		}

		private MqttWireMessage readOther() throws IOException, MqttException {
			if (body == null) {
				body = new Filling(fixedHeader.filled + remaining);
				System.arraycopy(fixedHeader.bytes, 0, body.bytes, 0, fixedHeader.filled);
				body.filled = fixedHeader.filled;
			}
			fill(body, body.bytes.length);
			return MqttWireMessage.createWireMessage(body.bytes);
		}
	}

	private static boolean continues(byte lengthByte) {
		return (lengthByte & 0x80) != 0;
	}

	/** Paho's decoder of a variable byte integer, on bytes already read. */
	private static int variableByteInteger(byte[] bytes, int offset, int length) throws MqttException {
		try {
			return MqttDataTypes.readVariableByteInteger(new DataInputStream(new ByteArrayInputStream(bytes, offset, length)))
					.getValue();
		} catch (IOException e) {
			throw new MqttException(MqttException.REASON_CODE_MALFORMED_PACKET, e);
		}
	}
}
