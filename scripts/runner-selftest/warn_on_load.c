// SPDX-License-Identifier: GPL-2.0-only
/*
 * A module that prints a kernel WARN when it is loaded. It exists only so
 * that the test runner can prove it fails a run whose kernel log has a WARN.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init warn_on_load_init(void)
{
	WARN(1, "idxd_ims runner self-test: deliberate warning\n");
	return 0;
}
module_init(warn_on_load_init);

static void __exit warn_on_load_exit(void)
{
}
module_exit(warn_on_load_exit);

MODULE_DESCRIPTION("Deliberate WARN for the idxd_ims test runner self-test");
MODULE_LICENSE("GPL");
MODULE_INFO(test, "Y");
