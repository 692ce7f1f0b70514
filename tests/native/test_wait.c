/* Wait and wake on a shared word, within a process and across processes. */
#include "check.h"

#include <sys/mman.h>

static void wait_times_out_when_nobody_wakes(void) {
  static uint32_t word = 7;
  int64_t t0 = mproc_now_ns();
  CHECK_RC(MPROC_ETIMEDOUT, mproc_wait32(&word, 7, 20 * 1000000));
  CHECK(mproc_now_ns() - t0 >= 19 * 1000000);
  CHECK_RC(MPROC_ETIMEDOUT, mproc_wait32(&word, 7, MPROC_NO_WAIT));
  CHECK_RC(0, mproc_wait32(&word, 8, 20 * 1000000)); /* the word already differs */
  CHECK_RC(MPROC_ETIMEDOUT, mproc_wait32_spin(&word, 7, 100, 1000000));
}

static void bad_arguments_are_rejected(void) {
  static uint32_t words[2];
  CHECK_RC(MPROC_EINVAL, mproc_wait32(NULL, 0, 0));
  CHECK_RC(MPROC_EINVAL, mproc_wait32((uint32_t *)((char *)words + 1), 0, 0));
  CHECK_RC(MPROC_EINVAL, mproc_wait32(words, 0, -2));
  CHECK_RC(MPROC_EINVAL, mproc_wake32(words, 0, NULL));
  CHECK_RC(MPROC_EINVAL, mproc_wait32_spin(words, 0, -1, 0));
}

static void a_child_wakes_its_parent_through_a_segment(void) {
  mproc_segment_spec_t spec = {.kind = MPROC_KIND_VALUE, .body_size = 128};
  mproc_segment_t *seg;
  const char *name = test_name("wait");
  CHECK_RC(0, mproc_segment_create(name, &spec, &seg));
  mproc_segment_publish(seg);
  uint32_t *word = mproc_segment_data(seg);
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_segment_t *mine;
    if (mproc_segment_attach(name, MPROC_KIND_VALUE, 0, &mine) != 0)
      _exit(2);
    uint32_t *w = mproc_segment_data(mine);
    usleep(20000);
    __atomic_store_n(w, 1, __ATOMIC_RELEASE);
    mproc_wake32(w, 1, NULL);
    _exit(0);
  }
  while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 0)
    CHECK(mproc_wait32(word, 0, 5000000000LL) != MPROC_ETIMEDOUT);
  CHECK(wait_child(pid) == 0);
  mproc_segment_detach(seg);
  CHECK_RC(0, mproc_unlink(name));
}

int main(void) {
  RUN(wait_times_out_when_nobody_wakes);
  RUN(bad_arguments_are_rejected);
  RUN(a_child_wakes_its_parent_through_a_segment);
  return 0;
}
