/* Unit tests of kernel/timer.c on the test clock. */
#include <criterion/criterion.h>
#include "testkit.h"
#include "kernel/clock.h"
#include "kernel/timer.h"

TestSuite(timer, .init = testkit_init);

static int fired[8], nfired;
static void fire(struct ktimer *t, void *ctx)
{
    (void)t;
    fired[nfired++] = (int)(intptr_t)ctx;
}

Test(timer, fire_in_deadline_order_and_cancel)
{
    struct ktimer a, b, c;
    ktimer_init(&a, fire, (void *)1);
    ktimer_init(&b, fire, (void *)2);
    ktimer_init(&c, fire, (void *)3);
    ktimer_arm_in(&a, 300);
    ktimer_arm_in(&b, 100);
    ktimer_arm_in(&c, 200);
    cr_assert_eq(ktimer_pending(), 3);
    cr_assert_eq(ktimer_next_deadline(), testkit_now() + 100);
    ktimer_cancel(&c);
    ktimer_cancel(&c);
    testkit_advance(99);
    cr_assert_eq(nfired, 0);
    testkit_advance(1000);
    cr_assert_eq(nfired, 2);
    cr_assert_eq(fired[0], 2);
    cr_assert_eq(fired[1], 1);
    cr_assert_eq(ktimer_pending(), 0);
    cr_assert_eq(ktimer_next_deadline(), UINT64_MAX);
}

static struct ktimer rearm;
static int rearm_count;
static void again(struct ktimer *t, void *ctx)
{
    (void)ctx;
    if (++rearm_count < 3)
        ktimer_arm_in(t, 10);
}

Test(timer, callback_may_rearm_itself)
{
    ktimer_init(&rearm, again, NULL);
    ktimer_arm_in(&rearm, 10);
    testkit_advance(100);
    cr_assert_eq(rearm_count, 3);
    ktimer_arm_in(&rearm, 10);
    ktimer_arm_in(&rearm, 50);
    cr_assert_eq(ktimer_pending(), 1, "re-arming an armed timer moves it");
}
