/* Tests src-c/crc32c.c: the check value, the tables, and slicing against bytewise. */
#include "check.h"
#include "internal.h"

#include "crc32c_table.h"

static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = ~0u;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
    }
    return ~c;
}

static void test_check_value(void)
{
    CHECK_EQ_INT(kd_crc32c((const uint8_t *)"123456789", 9), 0xe3069283u);
    CHECK_EQ_INT(kd_crc32c((const uint8_t *)"", 0), 0);
}

static void test_tables_match_their_definition(void)
{
    for (int i = 0; i < 256; i++) {
        /* table[k][i] is the raw register update for byte i followed by k zeros. */
        uint32_t c = (uint32_t)i;
        for (int b = 0; b < 8; b++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
        CHECK_EQ_INT(crc32c_table[0][i], c);
        for (int k = 1; k < 8; k++) {
            c = (c >> 8) ^ crc32c_table[0][c & 0xff];
            CHECK_EQ_INT(crc32c_table[k][i], c);
        }
    }
}

static void test_slicing_matches_bitwise(void)
{
    uint8_t buf[1031];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    /* every length and misalignment up to a few words, then the whole buffer */
    for (size_t start = 0; start < 9; start++)
        for (size_t n = 0; n + start <= 64; n++)
            CHECK_EQ_INT(kd_crc32c_update(0, buf + start, n), crc_bitwise(buf + start, n));
    CHECK_EQ_INT(kd_crc32c(buf, sizeof buf), crc_bitwise(buf, sizeof buf));
    /* incremental updates compose */
    uint32_t a = kd_crc32c_update(0, buf, 100);
    CHECK_EQ_INT(kd_crc32c_update(a, buf + 100, sizeof buf - 100), crc_bitwise(buf, sizeof buf));
}

int main(void)
{
    RUN(test_check_value);
    RUN(test_tables_match_their_definition);
    RUN(test_slicing_matches_bitwise);
    return CHECK_SUMMARY();
}
