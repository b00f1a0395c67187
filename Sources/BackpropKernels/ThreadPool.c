// A small pool of persistent threads for Backprop's own parallel loops (see BackpropKernels.h).
//
// Why not the system's dispatcher: a training step or a batch-1 prediction hands work to the
// second core several times, microseconds apart, and every hand-off through a dispatcher that
// puts its threads to sleep at once is a futex wake on one side and a wait on the other (4-6%
// of an MNIST-size epoch in `perf`, and more than the work itself for one layer times one
// column). These workers spin for a short while after each job, so a job that follows soon
// starts within a cache-line transfer, and sleep on a condition variable after that.
//
// One job at a time: part p of a job is worker p's (part 0 the caller's), so a part's buffers
// stay in one core's cache from job to job. A worker claims its part before it runs it, and
// the caller, its own part done, claims and runs any part whose worker has not started (one
// asleep, or preempted by another program): a job never waits for a wake-up it can do without.
// A caller that finds the pool busy (a second thread of the host program, or a part that
// itself asks for parts) is told so and runs its parts another way.
#include "BackpropKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define MAX_WORKERS 63
// How long an idle worker spins before it sleeps, in nanoseconds.
#define SPIN_NANOSECONDS 200000

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

// The job in flight. `ticket` packs the job's generation (high bits) with its part count (low
// 16 bits), so a worker reads both at once; `function` and `context` are written before the
// ticket and stay put until every part has been acknowledged through `pending`.
static _Atomic uint64_t ticket;
static bp_part_function job_function;
static void *job_context;
static _Atomic size_t pending;
static _Atomic int busy;
// claimed[p]: the generation of the last job whose part p someone claimed. Generations only
// grow, so a worker still holding an older job's ticket can never claim a newer job's part.
static _Atomic uint64_t claimed[MAX_WORKERS + 1];

// Claims part `part` of job `generation`; true if this thread is to run it.
static int claim(size_t part, uint64_t generation) {
    uint64_t last = atomic_load_explicit(&claimed[part], memory_order_relaxed);
    return last < generation && atomic_compare_exchange_strong(&claimed[part], &last, generation);
}

// Runs a claimed part and reports it done.
static void run_part(size_t part) {
    job_function(job_context, part);
    atomic_fetch_sub_explicit(&pending, 1, memory_order_acq_rel);
}
// Worker p sleeps on its own condition variable, so a job wakes only the workers it needs.
static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    _Atomic int sleeping;
} rest[MAX_WORKERS + 1];
// Workers started so far, changed only by the caller that holds `busy`, and the generation
// each was started in (the first job a worker may take is the one after it).
static size_t started;
static uint64_t start_generation[MAX_WORKERS + 1];

static void *worker_main(void *argument) {
    size_t index = (size_t)(uintptr_t)argument;
    uint64_t seen = start_generation[index];
    // Spin before sleeping only after a job this worker took part in: one that ran on fewer
    // workers says nothing about this one's next job.
    int spin = 0;
    for (;;) {
        uint64_t current = atomic_load_explicit(&ticket, memory_order_acquire);
        if ((current >> 16) == seen && spin) {
            uint64_t deadline = now_ns() + SPIN_NANOSECONDS;
            unsigned spins = 0;
            while ((current = atomic_load_explicit(&ticket, memory_order_acquire)) >> 16 == seen) {
                relax();
                if (++spins % 256 == 0 && now_ns() > deadline) break;
            }
        }
        if ((current >> 16) == seen) {
            // `sleeping` is raised before the ticket is read again under the lock, and the
            // caller writes the ticket before it reads `sleeping`: one of the two sees the other.
            pthread_mutex_lock(&rest[index].lock);
            atomic_store(&rest[index].sleeping, 1);
            while ((current = atomic_load(&ticket)) >> 16 == seen) pthread_cond_wait(&rest[index].wake, &rest[index].lock);
            atomic_store(&rest[index].sleeping, 0);
            pthread_mutex_unlock(&rest[index].lock);
        }
        seen = current >> 16;
        size_t parts = (size_t)(current & 0xFFFF);
        spin = index < parts;
        if (spin && claim(index, seen)) run_part(index);
    }
    return NULL;
}

size_t bp_pool_capacity(void) { return MAX_WORKERS + 1; }

int bp_pool_run(size_t parts, bp_part_function function, void *context) {
    if (parts <= 1) {
        if (parts == 1) function(context, 0);
        return 0;
    }
    if (parts > MAX_WORKERS + 1) return 1;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&busy, &expected, 1)) return 1;
    while (started < parts - 1) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        size_t index = started + 1;
        start_generation[index] = atomic_load(&ticket) >> 16;
        pthread_mutex_init(&rest[index].lock, NULL);
        pthread_cond_init(&rest[index].wake, NULL);
        // The parts run Swift code that may recurse a little: the default stack size.
        int failed = pthread_create(&thread, &attributes, worker_main, (void *)(uintptr_t)index);
        pthread_attr_destroy(&attributes);
        if (failed) {
            pthread_cond_destroy(&rest[index].wake);
            pthread_mutex_destroy(&rest[index].lock);
            atomic_store(&busy, 0);
            return 1;
        }
        started++;
    }
    job_function = function;
    job_context = context;
    atomic_store_explicit(&pending, parts - 1, memory_order_relaxed);
    uint64_t generation = (atomic_load_explicit(&ticket, memory_order_relaxed) >> 16) + 1;
    atomic_store(&ticket, (generation << 16) | (uint64_t)parts);
    for (size_t p = 1; p < parts; p++) {
        if (atomic_load(&rest[p].sleeping)) {
            pthread_mutex_lock(&rest[p].lock);
            pthread_cond_signal(&rest[p].wake);
            pthread_mutex_unlock(&rest[p].lock);
        }
    }
    function(context, 0);
    for (size_t p = parts - 1; p >= 1; p--) {
        if (claim(p, generation)) run_part(p);
    }
    unsigned spins = 0;
    while (atomic_load_explicit(&pending, memory_order_acquire) != 0) {
        relax();
        // A worker that was asleep, or preempted by another program, takes longer: let it run.
        if (++spins % 4096 == 0) sched_yield();
    }
    atomic_store_explicit(&busy, 0, memory_order_release);
    return 0;
}
