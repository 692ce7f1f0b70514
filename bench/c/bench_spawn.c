/*
 * bench_spawn: start a child that does nothing and wait for it, through mproc's own process API
 * (the process suite; the counterparts are SpawnBench.java and `bench_mp.py process`).
 *
 *   bench_spawn [JAVA CLASSDIR MAINCLASS]
 *
 * Each repetition times, with mproc_now_ns(), mproc_spawnv() (posix_spawn with the bootstrap
 * channel at fd 3, nothing handed, standard streams inherited) followed by mproc_child_wait()
 * and mproc_child_free():
 *   c.process.spawn_true       of /bin/true
 *   c.process.spawn_java_nop   of `JAVA -cp CLASSDIR MAINCLASS` (a JVM with an empty main; only
 *                              when the three arguments are given)
 * The variants alternate within each repetition. $MPROC_BENCH_SPAWN_REPS repetitions (default
 * 15) after $MPROC_BENCH_SPAWN_WARMUP (default 3) discarded ones; medians in ms.
 */
#include "bench_common.h"

#include <stdint.h>

#define MAX_REPS 200

static int env_int(const char *name, int def, int min) {
  const char *s = getenv(name);
  int n = s != NULL ? atoi(s) : def;
  return n >= min ? n : def;
}

/* One start+wait; returns ms. */
static double spawn_wait(const char *path, char *const argv[]) {
  mproc_child_t *c;
  int code;
  int64_t t0 = mproc_now_ns();
  bench_check(mproc_spawnv(path, argv, NULL, NULL, 0, -1, -1, -1, &c), path);
  bench_check(mproc_child_wait(c, MPROC_FOREVER, &code), "wait");
  mproc_child_free(c);
  int64_t t1 = mproc_now_ns();
  if (code != 0)
    bench_die("%s exited with %d", path, code);
  return (double)(t1 - t0) / 1e6;
}

int main(int argc, char **argv) {
  int reps = env_int("MPROC_BENCH_SPAWN_REPS", 15, 1);
  int warmup = env_int("MPROC_BENCH_SPAWN_WARMUP", 3, 0);
  if (reps > MAX_REPS)
    reps = MAX_REPS;
  (void)bench_name; /* shared helpers this program does not need */
  (void)bench_reps;
  int with_java = argc == 4;
  char *true_argv[] = {"/bin/true", NULL};
  char *java_argv[] = {with_java ? argv[1] : NULL, "-cp", with_java ? argv[2] : NULL,
                       with_java ? argv[3] : NULL, NULL};
  static double t_true[MAX_REPS], t_java[MAX_REPS];
  for (int r = -warmup; r < reps; r++) {
    double a = spawn_wait("/bin/true", true_argv);
    double b = with_java ? spawn_wait(argv[1], java_argv) : 0;
    if (r >= 0) {
      t_true[r] = a;
      t_java[r] = b;
    }
  }
  bench_result("c.process.spawn_true", bench_median(t_true, reps), "ms");
  if (with_java)
    bench_result("c.process.spawn_java_nop", bench_median(t_java, reps), "ms");
  return 0;
}
