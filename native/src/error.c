/* The error table: names and messages for every MPROC_E* code. */
#include "internal.h"

#include <string.h>

const char *mproc_strerror(int err) {
  switch (err) {
  case 0:
    return "success";
#define MPROC__ERR_MSG(name, value, msg)                                                           \
  case MPROC_##name:                                                                               \
    return msg;
    MPROC_ERRNO_MAP(MPROC__ERR_MSG)
#undef MPROC__ERR_MSG
  default:
    /* An errno the table does not list still has a meaningful description. */
    return err < 0 && err > -4096 ? strerror(-err) : "unknown error";
  }
}

const char *mproc_err_name(int err) {
  switch (err) {
  case 0:
    return "OK";
#define MPROC__ERR_NAME(name, value, msg)                                                          \
  case MPROC_##name:                                                                               \
    return #name;
    MPROC_ERRNO_MAP(MPROC__ERR_NAME)
#undef MPROC__ERR_NAME
  default:
    return "UNKNOWN";
  }
}
