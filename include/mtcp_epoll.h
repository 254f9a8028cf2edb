/*
 * mtcp_epoll.h -- libmos epoll API for end-host sockets (mOS 0.3).
 */
#ifndef MTCP_EPOLL_H
#define MTCP_EPOLL_H

#include "mtcp_api.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mtcp_epoll_op {
	MOS_EPOLL_CTL_ADD = 1,
	MOS_EPOLL_CTL_DEL = 2,
	MOS_EPOLL_CTL_MOD = 3,
};

/* MOS_EPOLLET is 1<<31 written so that it is defined in ISO C and still
 * equals INT_MIN, as in mOS 0.3; the library reads only the low 32 bits
 * of mtcp_epoll_event.events. */
enum epoll_event_type {
	MOS_EPOLLNONE = 0x001,
	MOS_EPOLLIN = 0x002,
	MOS_EPOLLPRI = 0x004,
	MOS_EPOLLOUT = 0x008,
	MOS_EPOLLRDNORM = 0x010,
	MOS_EPOLLRDBAND = 0x020,
	MOS_EPOLLWRNORM = 0x040,
	MOS_EPOLLWRBAND = 0x080,
	MOS_EPOLLMSG = 0x100,
	MOS_EPOLLERR = 0x200,
	MOS_EPOLLHUP = 0x400,
	MOS_EPOLLRDHUP = 0x800,
	MOS_EPOLLONESHOT = (1 << 30),
	MOS_EPOLLET = (-0x7fffffff - 1),
};

enum mtcp_action {
	MOS_ACT_SEND_DATA = 0x02,
	MOS_ACT_SEND_ACK_NOW = 0x04,
	MOS_ACT_SEND_ACK_AGG = 0x08,
	MOS_ACT_SEND_CONTROL = 0x10,
	MOS_ACT_SEND_RST = 0x20,
	MOS_ACT_DESTROY = 0x40,
	MOS_ACT_READ_DATA = 0x80,
	MOS_ACT_CNT = 0x81,
};

typedef union mtcp_epoll_data {
	void *ptr;
	int sock;
	uint32_t u32;
	uint64_t u64;
} mtcp_epoll_data_t;

struct mtcp_epoll_event {
	uint64_t events;
	mtcp_epoll_data_t data;
};

int mtcp_epoll_create(mctx_t mctx, int size);
int mtcp_epoll_ctl(mctx_t mctx, int epid, int op, int sock,
		   struct mtcp_epoll_event *event);
int mtcp_epoll_wait(mctx_t mctx, int epid, struct mtcp_epoll_event *events,
		    int maxevents, int timeout);
char *EventToString(uint32_t event);

#ifdef __cplusplus
}
#endif

#endif /* MTCP_EPOLL_H */
