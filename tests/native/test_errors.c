/* The error table: every code has a distinct name and a message, and unknown codes are handled. */
#include "check.h"

static const int codes[] = {
#define XX(name, value, msg) MPROC_##name,
    MPROC_ERRNO_MAP(XX)
#undef XX
};

static void every_code_has_a_distinct_name_and_message(void) {
  size_t n = sizeof codes / sizeof codes[0];
  for (size_t i = 0; i < n; i++) {
    CHECK(codes[i] < 0);
    CHECK(strcmp(mproc_err_name(codes[i]), "UNKNOWN") != 0);
    CHECK(strlen(mproc_strerror(codes[i])) > 0);
    for (size_t j = 0; j < i; j++) {
      CHECK(codes[i] != codes[j]);
      CHECK(strcmp(mproc_err_name(codes[i]), mproc_err_name(codes[j])) != 0);
    }
  }
  CHECK(strcmp(mproc_err_name(MPROC_EINVAL), "EINVAL") == 0);
  CHECK(strcmp(mproc_err_name(0), "OK") == 0);
}

static void unknown_codes_are_described(void) {
  CHECK(strcmp(mproc_err_name(-2999), "UNKNOWN") == 0);
  CHECK(strcmp(mproc_strerror(-EXDEV), strerror(EXDEV)) == 0);
  CHECK(strcmp(mproc_strerror(-99999), "unknown error") == 0);
}

int main(void) {
  RUN(every_code_has_a_distinct_name_and_message);
  RUN(unknown_codes_are_described);
  return 0;
}
