// Clang thread-safety annotations (-Wthread-safety), as LevelDB's
// port/thread_annotations.h: they let the compiler check that state named
// GUARDED_BY(mu) is touched only with mu held. Under other compilers they
// expand to nothing. The checked build is the clang one of .ci/extra.
#pragma once

#if defined(__clang__)
#define KPI_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define KPI_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) KPI_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY KPI_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) KPI_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) KPI_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_AFTER(...) KPI_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define ACQUIRED_BEFORE(...) KPI_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define REQUIRES(...) KPI_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) KPI_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) KPI_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EXCLUDES(...) KPI_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) KPI_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS KPI_THREAD_ANNOTATION(no_thread_safety_analysis)
