/*
 * A native child for seed example 5: a Java parent creates a Value('d') and an Array('i'),
 * starts this program with both handed over, and this program sets the value to 3.1415927 and
 * negates every element, exactly as the Python child f(n, a) does. See
 * examples/java/org/mproc/examples/NativeChildExample.java for the parent:
 *
 *   Subprocess.program(Path.of("child_negate")).hand(num, arr).start();
 *
 * The handed objects arrive as descriptors 4 and 5, described by the manifest that
 * mproc_child_init reads from the bootstrap channel (descriptor 3).
 */
#include "mproc.h"

#include <stdio.h>

static int fail(const char *what, int rc) {
  fprintf(stderr, "child_negate: %s: %s (MPROC_%s)\n", what, mproc_strerror(rc),
          mproc_err_name(rc));
  return 1;
}

int main(void) {
  mproc_handoff_t *h;
  int rc = mproc_child_init(10000000000LL, &h); /* wait up to 10 s for the manifest */
  if (rc != 0)
    return fail("mproc_child_init", rc);
  if (mproc_handoff_count(h) != 2)
    return fail("expected a Value and an Array", MPROC_EINVAL);
  mproc_handed_t value, array;
  mproc_handoff_get(h, 0, &value);
  mproc_handoff_get(h, 1, &array);
  mproc_array_t *num, *arr;
  if ((rc = mproc_array_open_fd(value.fd, MPROC_KIND_VALUE, MPROC_FLOAT64, &num)) != 0)
    return fail(value.name, rc);
  if ((rc = mproc_array_open_fd(array.fd, MPROC_KIND_ARRAY, MPROC_INT32, &arr)) != 0)
    return fail(array.name, rc);
  double pi = 3.1415927;
  mproc_array_store(num, 0, &pi);
  int32_t *a = mproc_array_data(arr);
  for (uint64_t i = 0; i < mproc_array_length(arr); i++)
    __atomic_store_n(&a[i], -__atomic_load_n(&a[i], __ATOMIC_RELAXED), __ATOMIC_RELAXED);
  mproc_array_close(arr);
  mproc_array_close(num);
  mproc_handoff_free(h);
  return 0;
}
