/*
 * crc32c.c: CRC-32C (Castagnoli polynomial, reflected 0x82F63B78), the
 * checksum of model payloads.  Slicing-by-8 tables built on first use;
 * models are small, so this is about correctness more than speed.
 */
#include "core/model_format.h"

static uint32_t crc_table[8][256];
static int	crc_table_ready;

static void
crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++)
	{
		uint32_t	c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xFF];
	crc_table_ready = 1;
}

uint32_t
an_crc32c(const uint8_t *data, size_t len)
{
	uint32_t	crc = 0xFFFFFFFFu;

	if (!crc_table_ready)
		crc32c_init();
	while (len >= 8)
	{
		uint32_t	lo = crc ^ ((uint32_t) data[0] | (uint32_t) data[1] << 8 |
								(uint32_t) data[2] << 16 | (uint32_t) data[3] << 24);

		crc = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
			crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^
			crc_table[3][data[4]] ^ crc_table[2][data[5]] ^
			crc_table[1][data[6]] ^ crc_table[0][data[7]];
		data += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *data++) & 0xFF];
	return crc ^ 0xFFFFFFFFu;
}
