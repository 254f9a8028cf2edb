/*
 * t_order: mOS 0.3 programs include <linux/tcp.h> themselves; it must not
 * clash with <mos_api.h> whichever comes first.  Compiled only, by api.exp,
 * once with LINUX_TCP_FIRST defined and once without.
 */
#ifdef LINUX_TCP_FIRST
#include <linux/tcp.h>
#include <mos_api.h>
#else
#include <mos_api.h>
#include <linux/tcp.h>
#endif

int order_syn_only(const struct pkt_info *pi);

int order_syn_only(const struct pkt_info *pi)
{
	const struct tcphdr *th = pi->tcph;

	return th != NULL && th->syn && !th->ack && th->source != th->dest;
}
