/* SPDX-License-Identifier: MIT */
/*
 * The work budget (include/hyp/work_budget.h).  Pure code, shared with the
 * host unit tests, which set tiny budgets to stop validation at every step.
 * One CPU today: a single budget.
 */
#include <hyp/work_budget.h>

static uint32_t limit;
static uint64_t used;
static bool spent;

void work_budget_begin(uint32_t new_limit)
{
    limit = new_limit;
    used = 0;
    spent = false;
}

bool work_budget_charge(uint32_t units)
{
    used += units;
    if (limit && used >= limit)
        spent = true;
    return spent;
}

bool work_budget_spent(void)
{
    return spent;
}

uint64_t work_budget_used(void)
{
    return used;
}
