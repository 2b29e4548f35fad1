// SPDX-License-Identifier: BSD-3-Clause
#include "devices/i8042.h"

#include <string.h>

#define PORT_DATA   0
#define PORT_STATUS 4

#define STATUS_OBF	0x01
#define STATUS_SYSFLAG	0x04
#define STATUS_CMD	0x08
#define CTR_KBD_DISABLE 0x10
#define CTR_AUX_DISABLE 0x20

enum {
	CMD_READ_CTR = 0x20,
	CMD_WRITE_CTR = 0x60,
	CMD_AUX_DISABLE = 0xa7,
	CMD_AUX_ENABLE = 0xa8,
	CMD_AUX_TEST = 0xa9,
	CMD_SELF_TEST = 0xaa,
	CMD_KBD_TEST = 0xab,
	CMD_KBD_DISABLE = 0xad,
	CMD_KBD_ENABLE = 0xae,
	CMD_READ_OUTPORT = 0xd0,
	CMD_WRITE_OUTPORT = 0xd1,
	CMD_PULSE_FIRST = 0xf0,
};

void i8042_init(struct i8042 *k, struct exit_notifier exit)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->lock, NULL);
	k->exit = exit;
	k->ctr = 0x45 | CTR_AUX_DISABLE; /* translate, system flag, kbd irq; no aux */
	k->out_port = 0x01;		 /* bit 0: CPU not held in reset */
}

static void push(struct i8042 *k, uint8_t v)
{
	if (k->out_count == sizeof(k->out))
		return;
	k->out[(k->out_head + k->out_count) % sizeof(k->out)] = v;
	k->out_count++;
}

static void command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case CMD_READ_CTR:
		push(k, k->ctr);
		break;
	case CMD_WRITE_CTR:
	case CMD_WRITE_OUTPORT:
		k->pending_cmd = cmd;
		break;
	case CMD_AUX_DISABLE:
		k->ctr |= CTR_AUX_DISABLE;
		break;
	case CMD_AUX_ENABLE:
		k->ctr &= (uint8_t)~CTR_AUX_DISABLE;
		break;
	case CMD_AUX_TEST:
		push(k, 0xff); /* no auxiliary device behind this controller */
		break;
	case CMD_SELF_TEST:
		push(k, 0x55);
		break;
	case CMD_KBD_TEST:
		push(k, 0x00);
		break;
	case CMD_KBD_DISABLE:
		k->ctr |= CTR_KBD_DISABLE;
		break;
	case CMD_KBD_ENABLE:
		k->ctr &= (uint8_t)~CTR_KBD_DISABLE;
		break;
	case CMD_READ_OUTPORT:
		push(k, k->out_port);
		break;
	default:
		/* 0xF0-0xFF pulse output-port lines low; bit 0 low is the CPU reset (0xFE). */
		if (cmd >= CMD_PULSE_FIRST && !(cmd & 0x01))
			exit_request(&k->exit, VM_EXIT_RESET);
		break;
	}
}

static void data_write(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending_cmd;

	k->pending_cmd = 0;
	if (cmd == CMD_WRITE_CTR) {
		k->ctr = v;
	} else if (cmd == CMD_WRITE_OUTPORT) {
		k->out_port = v;
		if (!(v & 0x01))
			exit_request(&k->exit, VM_EXIT_RESET);
	}
	/* Bytes meant for the (absent) keyboard get no answer, so its probe times out. */
}

static void i8042_read(void *opaque, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct i8042 *k = opaque;

	pthread_mutex_lock(&k->lock);
	memset(data, 0, len);
	if (offset == PORT_STATUS) {
		data[0] = STATUS_SYSFLAG | (k->out_count ? STATUS_OBF : 0) |
			  (k->pending_cmd ? STATUS_CMD : 0);
	} else if (offset == PORT_DATA && k->out_count) {
		data[0] = k->out[k->out_head];
		k->out_head = (k->out_head + 1) % sizeof(k->out);
		k->out_count--;
	}
	pthread_mutex_unlock(&k->lock);
}

static void i8042_write(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct i8042 *k = opaque;

	pthread_mutex_lock(&k->lock);
	if (offset == PORT_STATUS)
		command(k, data[0]);
	else if (offset == PORT_DATA)
		data_write(k, data[0]);
	pthread_mutex_unlock(&k->lock);
}

const struct bus_ops i8042_bus_ops = {i8042_read, i8042_write};
