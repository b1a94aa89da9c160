/* Tests src-c/varint.c: Kafka's zig-zag varints against known encodings and edges. */
#include "check.h"
#include "varint.h"

static void test_known_encodings(void)
{
    /* zig-zag: 0->0, -1->1, 1->2, -2->3, 63->126, -64->127, 64->128 (two bytes) */
    struct {
        int32_t v;
        uint8_t bytes[5];
        size_t n;
    } cases[] = {
        {0, {0x00}, 1},
        {-1, {0x01}, 1},
        {1, {0x02}, 1},
        {-2, {0x03}, 1},
        {63, {0x7e}, 1},
        {-64, {0x7f}, 1},
        {64, {0x80, 0x01}, 2},
        {300, {0xd8, 0x04}, 2},
        {INT32_MAX, {0xfe, 0xff, 0xff, 0xff, 0x0f}, 5},
        {INT32_MIN, {0xff, 0xff, 0xff, 0xff, 0x0f}, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[KD_VARINT_MAX];
        size_t n = kd_varint_write(buf, cases[i].v);
        CHECK_EQ_INT(n, cases[i].n);
        CHECK(memcmp(buf, cases[i].bytes, n) == 0);
        CHECK_EQ_INT(kd_varint_size(cases[i].v), cases[i].n);
        size_t pos = 0;
        int32_t back = 0;
        CHECK(kd_varint_read(buf, n, &pos, &back));
        CHECK_EQ_INT(back, cases[i].v);
        CHECK_EQ_INT(pos, n);
    }
}

static void test_varlong_round_trip(void)
{
    int64_t values[] = {0, 1, -1, 127, -128, 1LL << 40, -(1LL << 40), INT64_MAX, INT64_MIN, 1700000000000LL};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        uint8_t buf[KD_VARLONG_MAX];
        size_t n = kd_varlong_write(buf, values[i]);
        CHECK_EQ_INT(n, kd_varlong_size(values[i]));
        size_t pos = 0;
        int64_t back = 0;
        CHECK(kd_varlong_read(buf, n, &pos, &back));
        CHECK(back == values[i]);
    }
    uint8_t buf[KD_VARLONG_MAX];
    CHECK_EQ_INT(kd_varlong_write(buf, INT64_MIN), 10);
}

static void test_truncated_and_overlong(void)
{
    const uint8_t truncated[] = {0x80, 0x80};
    size_t pos = 0;
    int32_t v32;
    int64_t v64;
    CHECK(!kd_varint_read(truncated, sizeof truncated, &pos, &v32));
    CHECK_EQ_INT(pos, 0); /* the cursor does not move on failure */
    const uint8_t overlong32[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    CHECK(!kd_varint_read(overlong32, sizeof overlong32, &pos, &v32));
    const uint8_t overlong64[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    CHECK(!kd_varlong_read(overlong64, sizeof overlong64, &pos, &v64));
    CHECK(!kd_varint_read(truncated, 0, &pos, &v32));
}

static void test_every_value_in_a_range(void)
{
    for (int32_t v = -70000; v <= 70000; v++) {
        uint8_t buf[KD_VARINT_MAX];
        size_t n = kd_varint_write(buf, v), pos = 0;
        int32_t back;
        if (!kd_varint_read(buf, n, &pos, &back) || back != v || pos != n) {
            CHECK(!"round trip");
            return;
        }
    }
}

int main(void)
{
    RUN(test_known_encodings);
    RUN(test_varlong_round_trip);
    RUN(test_truncated_and_overlong);
    RUN(test_every_value_in_a_range);
    return CHECK_SUMMARY();
}
