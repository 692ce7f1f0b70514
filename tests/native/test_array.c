/* Value and Array: every element type, atomics, bounds, type checks, and a second process. */
#include "check.h"

#include <math.h>

static void every_type_round_trips(void) {
  const int types[] = {MPROC_INT8,  MPROC_UINT8, MPROC_INT16,   MPROC_UINT16,  MPROC_INT32,
                       MPROC_UINT32, MPROC_INT64, MPROC_UINT64, MPROC_FLOAT32, MPROC_FLOAT64};
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
    mproc_array_t *a;
    CHECK_RC(0, mproc_array_create(NULL, types[t], 5, NULL, &a));
    size_t size = mproc_type_size(types[t]);
    CHECK(mproc_array_length(a) == 5 && mproc_array_type(a) == types[t]);
    unsigned char in[8], out[8];
    memset(in, 0x5A, sizeof in);
    CHECK_RC(0, mproc_array_store(a, 4, in));
    memset(out, 0, sizeof out);
    CHECK_RC(0, mproc_array_load(a, 4, out));
    CHECK(memcmp(in, out, size) == 0);
    CHECK_RC(0, mproc_array_load(a, 3, out));
    CHECK(out[0] == 0);
    CHECK_RC(MPROC_EBOUNDS, mproc_array_load(a, 5, out));
    CHECK_RC(MPROC_EBOUNDS, mproc_array_store(a, 5, in));
    mproc_array_close(a);
  }
}

static void integer_atomics_wrap_and_sign_extend(void) {
  mproc_array_t *a;
  int8_t init = 127;
  CHECK_RC(0, mproc_value_create(NULL, MPROC_INT8, &init, &a));
  int64_t prev;
  CHECK_RC(0, mproc_array_fetch_add(a, 0, 1, &prev));
  CHECK(prev == 127);
  CHECK_RC(0, mproc_array_fetch_add(a, 0, 0, &prev));
  CHECK(prev == -128);
  int8_t expect = 5, desired = 6;
  int swapped;
  CHECK_RC(0, mproc_array_cas(a, 0, &expect, &desired, &swapped));
  CHECK(swapped == 0 && expect == -128);
  CHECK_RC(0, mproc_array_cas(a, 0, &expect, &desired, &swapped));
  CHECK(swapped == 1);
  CHECK_RC(MPROC_ETYPE, mproc_array_fetch_add_double(a, 0, 1.0, NULL));
  mproc_array_close(a);

  uint32_t big = 0xFFFFFFFFu;
  CHECK_RC(0, mproc_value_create(NULL, MPROC_UINT32, &big, &a));
  CHECK_RC(0, mproc_array_fetch_add(a, 0, 1, &prev));
  CHECK(prev == 0xFFFFFFFFLL);
  mproc_array_close(a);
}

static void float_atomics(void) {
  mproc_array_t *a;
  double d = 1.5;
  CHECK_RC(0, mproc_value_create(NULL, MPROC_FLOAT64, &d, &a));
  double prev;
  CHECK_RC(0, mproc_array_fetch_add_double(a, 0, 2.25, &prev));
  CHECK(prev == 1.5);
  CHECK_RC(0, mproc_array_load(a, 0, &d));
  CHECK(d == 3.75);
  CHECK_RC(MPROC_ETYPE, mproc_array_fetch_add(a, 0, 1, NULL));
  mproc_array_close(a);
}

static void bad_arguments_are_rejected(void) {
  mproc_array_t *a;
  CHECK_RC(MPROC_EINVAL, mproc_array_create(NULL, 'x', 1, NULL, &a));
  CHECK_RC(MPROC_EBOUNDS, mproc_array_create(NULL, MPROC_INT32, 0, NULL, &a));
  CHECK_RC(MPROC_EBOUNDS, mproc_array_create(NULL, MPROC_INT32, (uint64_t)1 << 62, NULL, &a));
  CHECK_RC(0, mproc_array_create(NULL, MPROC_INT32, 4, NULL, &a));
  int32_t buf[4];
  CHECK_RC(MPROC_EBOUNDS, mproc_array_read(a, 1, buf, 4));
  CHECK_RC(MPROC_EBOUNDS, mproc_array_write(a, 5, buf, 0));
  CHECK_RC(0, mproc_array_write(a, 4, buf, 0));
  mproc_array_close(a);
}

static void bulk_copies_keep_every_width_intact(void) {
  const int types[] = {MPROC_UINT8, MPROC_INT16, MPROC_FLOAT32, MPROC_FLOAT64};
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
    size_t size = mproc_type_size(types[t]);
    unsigned char in[7 * 8], out[7 * 8];
    for (size_t i = 0; i < sizeof in; i++)
      in[i] = (unsigned char)(i * 37 + 1);
    mproc_array_t *a;
    CHECK_RC(0, mproc_array_create(NULL, types[t], 9, NULL, &a));
    CHECK_RC(0, mproc_array_write(a, 2, in, 7));
    memset(out, 0, sizeof out);
    CHECK_RC(0, mproc_array_read(a, 2, out, 7));
    CHECK(memcmp(in, out, 7 * size) == 0);
    CHECK_RC(0, mproc_array_read(a, 0, out, 2));
    for (size_t i = 0; i < 2 * size; i++)
      CHECK(out[i] == 0);
    mproc_array_close(a);
  }
}

static void open_checks_kind_and_type(void) {
  const char *name = test_name("arr");
  int32_t init[10];
  for (int i = 0; i < 10; i++)
    init[i] = i;
  mproc_array_t *a, *b;
  CHECK_RC(0, mproc_array_create(name, MPROC_INT32, 10, init, &a));
  CHECK_RC(MPROC_ETYPE, mproc_array_open(name, MPROC_KIND_ARRAY, MPROC_FLOAT64, &b));
  CHECK_RC(MPROC_EKIND, mproc_array_open(name, MPROC_KIND_VALUE, 0, &b));
  CHECK_RC(MPROC_EINVAL, mproc_array_open(name, MPROC_KIND_ARRAY, 'z', &b));
  CHECK_RC(0, mproc_array_open(name, MPROC_KIND_ANY, MPROC_INT32, &b));
  CHECK(mproc_array_length(b) == 10);
  mproc_array_close(b);
  mproc_array_close(a);
  mproc_unlink(name);
}

static void a_child_negates_the_array_and_sets_the_value(void) {
  const char *arr_name = test_name("neg"), *val_name = test_name("num");
  int32_t init[10];
  for (int i = 0; i < 10; i++)
    init[i] = i;
  double zero = 0.0;
  mproc_array_t *arr, *num;
  CHECK_RC(0, mproc_array_create(arr_name, MPROC_INT32, 10, init, &arr));
  CHECK_RC(0, mproc_value_create(val_name, MPROC_FLOAT64, &zero, &num));
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_array_t *a, *n;
    if (mproc_array_open(arr_name, MPROC_KIND_ARRAY, MPROC_INT32, &a) != 0 ||
        mproc_array_open(val_name, MPROC_KIND_VALUE, MPROC_FLOAT64, &n) != 0)
      _exit(1);
    double pi = 3.1415927;
    mproc_array_store(n, 0, &pi);
    for (uint64_t i = 0; i < mproc_array_length(a); i++) {
      int32_t v;
      mproc_array_load(a, i, &v);
      v = -v;
      mproc_array_store(a, i, &v);
    }
    _exit(0);
  }
  CHECK(wait_child(pid) == 0);
  double pi;
  int32_t out[10];
  CHECK_RC(0, mproc_array_load(num, 0, &pi));
  CHECK(pi == 3.1415927);
  CHECK_RC(0, mproc_array_read(arr, 0, out, 10));
  for (int i = 0; i < 10; i++)
    CHECK(out[i] == -i);
  mproc_array_close(arr);
  mproc_array_close(num);
  mproc_unlink(arr_name);
  mproc_unlink(val_name);
}

int main(void) {
  RUN(every_type_round_trips);
  RUN(integer_atomics_wrap_and_sign_extend);
  RUN(float_atomics);
  RUN(bad_arguments_are_rejected);
  RUN(bulk_copies_keep_every_width_intact);
  RUN(open_checks_kind_and_type);
  RUN(a_child_negates_the_array_and_sets_the_value);
  return 0;
}
