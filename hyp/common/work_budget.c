/* SPDX-License-Identifier: MIT */
/*
 * The work budget (include/hyp/work_budget.h): its state.  Pure code,
 * shared with the host unit tests, which set tiny budgets to stop
 * validation at every step.  Nothing is preemptible until a budget begins.
 */
#include <hyp/work_budget.h>

#ifdef KOAN_HOST_TEST
__thread struct work_budget work_budget;
#else
struct work_budget work_budget;
#endif
