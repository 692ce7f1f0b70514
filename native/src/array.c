/*
 * Value and Array: naturally aligned typed elements in a segment body. Element access uses
 * single atomic instructions, so readers never see torn values; compound updates take the
 * segment's robust lock.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct mproc_array {
  mproc_segment_t *seg;
  char *data;
  uint64_t count;
  uint16_t size;
  char code;
};

size_t mproc_type_size(int type) {
  switch (type) {
  case MPROC_INT8:
  case MPROC_UINT8:
    return 1;
  case MPROC_INT16:
  case MPROC_UINT16:
    return 2;
  case MPROC_INT32:
  case MPROC_UINT32:
  case MPROC_FLOAT32:
    return 4;
  case MPROC_INT64:
  case MPROC_UINT64:
  case MPROC_FLOAT64:
    return 8;
  default:
    return 0;
  }
}

static bool is_float(char code) { return code == MPROC_FLOAT32 || code == MPROC_FLOAT64; }

static int wrap(mproc_segment_t *seg, mproc_array_t **out) {
  mproc_array_t *a = calloc(1, sizeof *a);
  if (a == NULL) {
    mproc_segment_detach(seg);
    return MPROC_ENOMEM;
  }
  const mproc_header_t *h = mproc_segment_base(seg);
  a->seg = seg;
  a->data = mproc_segment_data(seg);
  a->count = h->elem_count;
  a->size = h->elem_size;
  a->code = h->elem_code;
  *out = a;
  return 0;
}

static int create(const char *name, uint16_t kind, int type, uint64_t count, const void *init,
                  mproc_array_t **out) {
  if (out == NULL)
    return MPROC_EINVAL;
  *out = NULL;
  size_t size = mproc_type_size(type);
  if (size == 0)
    return MPROC_EINVAL;
  if (count == 0 || count > ((uint64_t)1 << 46) / size)
    return MPROC_EBOUNDS;
  mproc_segment_spec_t spec = {.kind = kind,
                               .elem_code = (char)type,
                               .elem_size = (uint16_t)size,
                               .elem_count = count,
                               /* Whole 8-byte words, so that Java can update a byte or
                                  short element with a CAS on its enclosing aligned int. */
                               .body_size = (count * size + 7) / 8 * 8};
  mproc_segment_t *seg;
  int err = mproc_segment_create(name, &spec, &seg);
  if (err != 0)
    return err;
  if (init != NULL)
    memcpy(mproc_segment_data(seg), init, count * size);
  mproc_segment_publish(seg);
  return wrap(seg, out);
}

int mproc_array_create(const char *name, int type, uint64_t count, const void *init,
                       mproc_array_t **out) {
  return create(name, MPROC_KIND_ARRAY, type, count, init, out);
}

int mproc_value_create(const char *name, int type, const void *init, mproc_array_t **out) {
  return create(name, MPROC_KIND_VALUE, type, 1, init, out);
}

static int check_opened(mproc_segment_t *seg, uint16_t kind, int type, mproc_array_t **out) {
  const mproc_header_t *h = mproc_segment_base(seg);
  int err = 0;
  if (kind == MPROC_KIND_ANY && h->kind != MPROC_KIND_VALUE && h->kind != MPROC_KIND_ARRAY)
    err = MPROC_EKIND;
  else if (mproc_type_size(h->elem_code) == 0 || mproc_type_size(h->elem_code) != h->elem_size ||
           h->elem_count == 0)
    err = MPROC_ECORRUPT;
  else if (type != 0 && h->elem_code != type)
    err = MPROC_ETYPE;
  if (err != 0) {
    mproc_segment_detach(seg);
    return err;
  }
  return wrap(seg, out);
}

int mproc_array_open(const char *name, uint16_t kind, int type, mproc_array_t **out) {
  mproc_segment_t *seg;
  if (out == NULL)
    return MPROC_EINVAL;
  *out = NULL;
  if (type != 0 && mproc_type_size(type) == 0)
    return MPROC_EINVAL;
  int err = mproc_segment_attach(name, kind, MPROC_FOREVER, &seg);
  return err != 0 ? err : check_opened(seg, kind, type, out);
}

int mproc_array_open_fd(int fd, uint16_t kind, int type, mproc_array_t **out) {
  mproc_segment_t *seg;
  int err = mproc_segment_attach_fd(fd, kind, &seg);
  if (out != NULL)
    *out = NULL;
  return err != 0 ? err : check_opened(seg, kind, type, out);
}

int mproc_array_close(mproc_array_t *arr) {
  if (arr == NULL)
    return 0;
  mproc_segment_detach(arr->seg);
  free(arr);
  return 0;
}

mproc_segment_t *mproc_array_segment(mproc_array_t *arr) { return arr->seg; }

void *mproc_array_data(mproc_array_t *arr) { return arr->data; }

uint64_t mproc_array_length(const mproc_array_t *arr) { return arr->count; }

int mproc_array_type(const mproc_array_t *arr) { return arr->code; }

/* The element at `index` as an atomic object of its width. */
#define ELEM(a, index, T) ((_Atomic T *)(void *)((a)->data + (index) * (a)->size))

int mproc_array_load(mproc_array_t *a, uint64_t index, void *out) {
  if (a == NULL || out == NULL)
    return MPROC_EINVAL;
  if (index >= a->count)
    return MPROC_EBOUNDS;
  switch (a->size) {
  case 1: { uint8_t v = atomic_load(ELEM(a, index, uint8_t)); memcpy(out, &v, 1); break; }
  case 2: { uint16_t v = atomic_load(ELEM(a, index, uint16_t)); memcpy(out, &v, 2); break; }
  case 4: { uint32_t v = atomic_load(ELEM(a, index, uint32_t)); memcpy(out, &v, 4); break; }
  default: { uint64_t v = atomic_load(ELEM(a, index, uint64_t)); memcpy(out, &v, 8); break; }
  }
  return 0;
}

int mproc_array_store(mproc_array_t *a, uint64_t index, const void *in) {
  if (a == NULL || in == NULL)
    return MPROC_EINVAL;
  if (index >= a->count)
    return MPROC_EBOUNDS;
  switch (a->size) {
  case 1: { uint8_t v; memcpy(&v, in, 1); atomic_store(ELEM(a, index, uint8_t), v); break; }
  case 2: { uint16_t v; memcpy(&v, in, 2); atomic_store(ELEM(a, index, uint16_t), v); break; }
  case 4: { uint32_t v; memcpy(&v, in, 4); atomic_store(ELEM(a, index, uint32_t), v); break; }
  default: { uint64_t v; memcpy(&v, in, 8); atomic_store(ELEM(a, index, uint64_t), v); break; }
  }
  return 0;
}

#define CAS_CASE(T, n)                                                                             \
  case n: {                                                                                        \
    T e, d;                                                                                        \
    memcpy(&e, expected, n);                                                                       \
    memcpy(&d, desired, n);                                                                        \
    ok = atomic_compare_exchange_strong(ELEM(a, index, T), &e, d);                                 \
    memcpy(expected, &e, n);                                                                       \
    break;                                                                                         \
  }

int mproc_array_cas(mproc_array_t *a, uint64_t index, void *expected, const void *desired,
                    int *swapped) {
  bool ok;
  if (a == NULL || expected == NULL || desired == NULL)
    return MPROC_EINVAL;
  if (index >= a->count)
    return MPROC_EBOUNDS;
  switch (a->size) {
    CAS_CASE(uint8_t, 1)
    CAS_CASE(uint16_t, 2)
    CAS_CASE(uint32_t, 4)
    CAS_CASE(uint64_t, 8)
  default:
    return MPROC_ECORRUPT;
  }
  if (swapped != NULL)
    *swapped = ok;
  return 0;
}

int mproc_array_fetch_add(mproc_array_t *a, uint64_t index, int64_t delta, int64_t *prev) {
  int64_t p;
  if (a == NULL)
    return MPROC_EINVAL;
  if (index >= a->count)
    return MPROC_EBOUNDS;
  if (is_float(a->code))
    return MPROC_ETYPE;
  bool sign = a->code == MPROC_INT8 || a->code == MPROC_INT16 || a->code == MPROC_INT32 ||
              a->code == MPROC_INT64;
  switch (a->size) {
  case 1: { uint8_t v = atomic_fetch_add(ELEM(a, index, uint8_t), (uint8_t)delta);
            p = sign ? (int8_t)v : v; break; }
  case 2: { uint16_t v = atomic_fetch_add(ELEM(a, index, uint16_t), (uint16_t)delta);
            p = sign ? (int16_t)v : v; break; }
  case 4: { uint32_t v = atomic_fetch_add(ELEM(a, index, uint32_t), (uint32_t)delta);
            p = sign ? (int32_t)v : (int64_t)v; break; }
  default: p = (int64_t)atomic_fetch_add(ELEM(a, index, uint64_t), (uint64_t)delta); break;
  }
  if (prev != NULL)
    *prev = p;
  return 0;
}

int mproc_array_fetch_add_double(mproc_array_t *a, uint64_t index, double delta, double *prev) {
  if (a == NULL)
    return MPROC_EINVAL;
  if (index >= a->count)
    return MPROC_EBOUNDS;
  if (!is_float(a->code))
    return MPROC_ETYPE;
  double old;
  if (a->size == 4) {
    _Atomic uint32_t *e = ELEM(a, index, uint32_t);
    uint32_t cur = atomic_load(e), next;
    float f;
    do {
      memcpy(&f, &cur, 4);
      float n = (float)(f + delta);
      memcpy(&next, &n, 4);
    } while (!atomic_compare_exchange_weak(e, &cur, next));
    old = f;
  } else {
    _Atomic uint64_t *e = ELEM(a, index, uint64_t);
    uint64_t cur = atomic_load(e), next;
    double d;
    do {
      memcpy(&d, &cur, 8);
      double n = d + delta;
      memcpy(&next, &n, 8);
    } while (!atomic_compare_exchange_weak(e, &cur, next));
    old = d;
  }
  if (prev != NULL)
    *prev = old;
  return 0;
}

/*
 * Copies n elements between shared memory and a private buffer, each element with one relaxed
 * atomic access on the shared side (so no element is ever torn), and a fence at the end that
 * orders the whole copy like a release store (into shared memory) or an acquire load (out of it).
 */
#define COPY_LOOP(T)                                                                               \
  do {                                                                                             \
    for (uint64_t i = 0; i < n; i++) {                                                             \
      T v;                                                                                         \
      if (to_shared) {                                                                             \
        memcpy(&v, src + i * sizeof(T), sizeof(T));                                                \
        atomic_store_explicit((_Atomic T *)(void *)(dst + i * sizeof(T)), v,                       \
                              memory_order_relaxed);                                               \
      } else {                                                                                     \
        v = atomic_load_explicit((_Atomic T *)(void *)(src + i * sizeof(T)), memory_order_relaxed); \
        memcpy(dst + i * sizeof(T), &v, sizeof(T));                                                \
      }                                                                                            \
    }                                                                                              \
  } while (0)

static void copy_elements(uint16_t size, char *dst, const char *src, uint64_t n, bool to_shared) {
  if (to_shared)
    atomic_thread_fence(memory_order_release);
  switch (size) {
  case 1: COPY_LOOP(uint8_t); break;
  case 2: COPY_LOOP(uint16_t); break;
  case 4: COPY_LOOP(uint32_t); break;
  default: COPY_LOOP(uint64_t); break;
  }
  if (!to_shared)
    atomic_thread_fence(memory_order_acquire);
}

int mproc_array_read(mproc_array_t *a, uint64_t index, void *dst, uint64_t n) {
  if (a == NULL || (dst == NULL && n != 0))
    return MPROC_EINVAL;
  if (index > a->count || n > a->count - index)
    return MPROC_EBOUNDS;
  copy_elements(a->size, (char *)dst, a->data + index * a->size, n, false);
  return 0;
}

int mproc_array_write(mproc_array_t *a, uint64_t index, const void *src, uint64_t n) {
  if (a == NULL || (src == NULL && n != 0))
    return MPROC_EINVAL;
  if (index > a->count || n > a->count - index)
    return MPROC_EBOUNDS;
  copy_elements(a->size, a->data + index * a->size, (const char *)src, n, true);
  return 0;
}

int mproc_array_lock(mproc_array_t *arr, int64_t timeout_ns) {
  return arr == NULL ? MPROC_EINVAL : mproc_lock_acquire(arr->seg, timeout_ns);
}

int mproc_array_unlock(mproc_array_t *arr) {
  return arr == NULL ? MPROC_EINVAL : mproc_lock_release(arr->seg);
}
