/*******************************************************************************
 * Copyright (c) 2016 IBM Corp.
 *
 * All rights reserved. This program and the accompanying materials
 * are made available under the terms of the Eclipse Public License v2.0
 * and Eclipse Distribution License v1.0 which accompany this distribution. 
 *
 * The Eclipse Public License is available at 
 *    https://www.eclipse.org/legal/epl-2.0
 * and the Eclipse Distribution License is available at 
 *   https://www.eclipse.org/org/documents/edl-v10.php
 *
 * Contributors:
 * 	  Dave Locke   - Original MQTTv3 implementation
 *    James Sutton - Initial MQTTv5 implementation
 *    Reizi        - bulk read(byte[], int, int) (see below)
 */
package org.eclipse.paho.mqttv5.common.packet.util;

import java.io.IOException;
import java.io.InputStream;

/*
 * Modified by the Reizi project from Eclipse Paho MQTT v5 1.2.5 (org.eclipse.paho.mqttv5.client-1.2.5-sources.jar),
 * and shipped in Reizi's build of that jar (module paho-patched) in place of the original class.
 * The ONLY change: read(byte[], int, int) below. The original inherits InputStream's, which calls read() once
 * per byte; MqttWireMessage.createWireMessage and MqttPublish(byte, byte[]) copy every received packet through
 * this class with DataInputStream.readFully, over a ByteArrayInputStream whose read() is synchronized: two
 * passes of one call and one lock per payload byte. Everything else is the original, line for line.
 */
public class CountingInputStream extends InputStream{
	private InputStream inputStream;
	private int counter;
	
	
	/**Constructs a new <code>CountingInputStream</code> wrapping the supplied
	 * input stream.
	 * @param inputStream The inputStream to count and provide
	 */
	public CountingInputStream(InputStream inputStream){
		this.inputStream = inputStream;
		this.counter = 0;
	}
	
	public int read() throws IOException {
		int i = inputStream.read();
		if (i != -1){
			counter++;
		}
		return i;
	}

	/**
	 * Reads up to <code>len</code> bytes with one call to the wrapped stream, counting those read (Reizi: the
	 * only addition to Paho's class).
	 */
	@Override
	public int read(byte[] b, int off, int len) throws IOException {
		// as InputStream's: bounds first, and a read of nothing is 0 even at the end of the stream
		if (off < 0 || len < 0 || len > b.length - off) {
			throw new IndexOutOfBoundsException();
		}
		if (len == 0) {
			return 0;
		}
		int n = inputStream.read(b, off, len);
		if (n > 0) {
			counter += n;
		}
		return n;
	}
	
	/**
	 * Returns the number of bytes read since last reset
	 * @return the counter
	 */
	public int getCounter() {
		return counter;
	}
	/**
	 * Resets the counter to zero
	 */
	public void resetCounter() {
		counter = 0;
	}
	
}
