/*
 * t_protos: the 48 API calls are declared exactly as their man3 pages
 * give them (the mOS 0.3 interface).  Compiled only (cc -fsyntax-only, and c++ -fsyntax-only), never
 * linked: it takes the address of every call, including calls the library
 * does not implement yet.
 *
 * Each prototype is declared again below, as its man page shows it.  In C a
 * different prototype in the header is a "conflicting types" error; in C++
 * the redeclaration inside extern "C" conflicts unless the header declared
 * the call with C linkage and the same parameters.  The table then stores
 * each address in a pointer of the exact type.
 */
#include <mos_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* mtcp_api.h: 28 calls */
int mtcp_init(const char *config_file);
int mtcp_destroy(void);
int mtcp_getconf(struct mtcp_conf *conf);
int mtcp_setconf(const struct mtcp_conf *conf);
int mtcp_core_affinitize(int cpu);
mctx_t mtcp_create_context(int cpu);
int mtcp_destroy_context(mctx_t mctx);
mtcp_sighandler_t mtcp_register_signal(int signum, mtcp_sighandler_t handler);
uint32_t mtcp_get_connection_cnt(mctx_t mctx);
int mtcp_socket(mctx_t mctx, int domain, int type, int protocol);
int mtcp_bind(mctx_t mctx, int sock, const struct sockaddr *addr,
	      socklen_t addrlen);
int mtcp_listen(mctx_t mctx, int sock, int backlog);
int mtcp_accept(mctx_t mctx, int sock, struct sockaddr *addr,
		socklen_t *addrlen);
int mtcp_connect(mctx_t mctx, int sock, const struct sockaddr *addr,
		 socklen_t addrlen);
int mtcp_close(mctx_t mctx, int sock);
int mtcp_abort(mctx_t mctx, int sock);
int mtcp_getsockname(mctx_t mctx, int sock, struct sockaddr *addr,
		     socklen_t *addrlen);
ssize_t mtcp_recv(mctx_t mctx, int sock, char *buf, size_t len, int flags);
ssize_t mtcp_read(mctx_t mctx, int sock, char *buf, size_t len);
ssize_t mtcp_readv(mctx_t mctx, int sock, const struct iovec *iov, int numIOV);
ssize_t mtcp_write(mctx_t mctx, int sock, const char *buf, size_t len);
ssize_t mtcp_writev(mctx_t mctx, int sock, const struct iovec *iov,
		    int numIOV);
int mtcp_setsock_nonblock(mctx_t mctx, int sock);
int mtcp_ioctl(mctx_t mctx, int sock, int request, void *argp);
int mtcp_init_rss(mctx_t mctx, in_addr_t saddr_base, int num_addr,
		  in_addr_t daddr, in_addr_t dport);
int mtcp_pipe(mctx_t mctx, int pipeid[2]);
int mtcp_getsockopt(mctx_t mctx, int sock, int level, int optname,
		    void *optval, socklen_t *optlen);
int mtcp_setsockopt(mctx_t mctx, int sock, int level, int optname,
		    const void *optval, socklen_t optlen);

/* mos_api.h: 16 calls */
void mtcp_app_join(mctx_t mctx);
int mtcp_bind_monitor_filter(mctx_t mctx, int sock, monitor_filter_t ft);
int mtcp_register_callback(mctx_t mctx, int sock, event_t event,
			   int hook_point, callback_t cb);
event_t mtcp_define_event(event_t event, filter_t filter,
			  struct filter_arg *arg);
event_t mtcp_alloc_event(event_t event);
int mtcp_raise_event(mctx_t mctx, event_t event);
void mtcp_set_uctx(mctx_t mctx, int sock, void *uctx);
void *mtcp_get_uctx(mctx_t mctx, int sock);
ssize_t mtcp_peek(mctx_t mctx, int sock, int side, char *buf, size_t len);
ssize_t mtcp_ppeek(mctx_t mctx, int sock, int side, char *buf, size_t count,
		   uint64_t off);
int mtcp_getlastpkt(mctx_t mctx, int sock, int side, struct pkt_info *pinfo);
int mtcp_setlastpkt(mctx_t mctx, int sock, int side, off_t offset,
		    byte *data, uint16_t datalen, int option);
int mtcp_sendpkt(mctx_t mctx, int sock, const struct pkt_info *pkt);
int mtcp_settimer(mctx_t mctx, int id, struct timeval *timeout,
		  callback_t cb);
uint32_t mtcp_cb_get_ts(mctx_t mctx);
int mtcp_getpeername(mctx_t mctx, int sock, struct sockaddr *saddr,
		     socklen_t *addrlen, int side);

/* mtcp_epoll.h: 4 calls */
int mtcp_epoll_create(mctx_t mctx, int size);
int mtcp_epoll_ctl(mctx_t mctx, int epid, int op, int sock,
		   struct mtcp_epoll_event *event);
int mtcp_epoll_wait(mctx_t mctx, int epid, struct mtcp_epoll_event *events,
		    int maxevents, int timeout);
char *EventToString(uint32_t event);

#ifdef __cplusplus
}
#endif

struct api_table {
	int (*init)(const char *);
	int (*destroy)(void);
	int (*getconf)(struct mtcp_conf *);
	int (*setconf)(const struct mtcp_conf *);
	int (*core_affinitize)(int);
	mctx_t (*create_context)(int);
	int (*destroy_context)(mctx_t);
	mtcp_sighandler_t (*register_signal)(int, mtcp_sighandler_t);
	uint32_t (*get_connection_cnt)(mctx_t);
	int (*socket)(mctx_t, int, int, int);
	int (*bind)(mctx_t, int, const struct sockaddr *, socklen_t);
	int (*listen)(mctx_t, int, int);
	int (*accept)(mctx_t, int, struct sockaddr *, socklen_t *);
	int (*connect)(mctx_t, int, const struct sockaddr *, socklen_t);
	int (*close)(mctx_t, int);
	int (*abort)(mctx_t, int);
	int (*getsockname)(mctx_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*recv)(mctx_t, int, char *, size_t, int);
	ssize_t (*read)(mctx_t, int, char *, size_t);
	ssize_t (*readv)(mctx_t, int, const struct iovec *, int);
	ssize_t (*write)(mctx_t, int, const char *, size_t);
	ssize_t (*writev)(mctx_t, int, const struct iovec *, int);
	int (*setsock_nonblock)(mctx_t, int);
	int (*ioctl)(mctx_t, int, int, void *);
	int (*init_rss)(mctx_t, in_addr_t, int, in_addr_t, in_addr_t);
	int (*pipe)(mctx_t, int *);
	int (*getsockopt)(mctx_t, int, int, int, void *, socklen_t *);
	int (*setsockopt)(mctx_t, int, int, int, const void *, socklen_t);

	void (*app_join)(mctx_t);
	int (*bind_monitor_filter)(mctx_t, int, monitor_filter_t);
	int (*register_callback)(mctx_t, int, event_t, int, callback_t);
	event_t (*define_event)(event_t, filter_t, struct filter_arg *);
	event_t (*alloc_event)(event_t);
	int (*raise_event)(mctx_t, event_t);
	void (*set_uctx)(mctx_t, int, void *);
	void *(*get_uctx)(mctx_t, int);
	ssize_t (*peek)(mctx_t, int, int, char *, size_t);
	ssize_t (*ppeek)(mctx_t, int, int, char *, size_t, uint64_t);
	int (*getlastpkt)(mctx_t, int, int, struct pkt_info *);
	int (*setlastpkt)(mctx_t, int, int, off_t, byte *, uint16_t, int);
	int (*sendpkt)(mctx_t, int, const struct pkt_info *);
	int (*settimer)(mctx_t, int, struct timeval *, callback_t);
	uint32_t (*cb_get_ts)(mctx_t);
	int (*getpeername)(mctx_t, int, struct sockaddr *, socklen_t *, int);

	int (*epoll_create)(mctx_t, int);
	int (*epoll_ctl)(mctx_t, int, int, int, struct mtcp_epoll_event *);
	int (*epoll_wait)(mctx_t, int, struct mtcp_epoll_event *, int, int);
	char *(*event_to_string)(uint32_t);
};

extern const struct api_table libmos_api_table;
const struct api_table libmos_api_table = {
	mtcp_init, mtcp_destroy, mtcp_getconf, mtcp_setconf,
	mtcp_core_affinitize, mtcp_create_context, mtcp_destroy_context,
	mtcp_register_signal, mtcp_get_connection_cnt,
	mtcp_socket, mtcp_bind, mtcp_listen, mtcp_accept, mtcp_connect,
	mtcp_close, mtcp_abort, mtcp_getsockname, mtcp_recv, mtcp_read,
	mtcp_readv, mtcp_write, mtcp_writev, mtcp_setsock_nonblock,
	mtcp_ioctl, mtcp_init_rss, mtcp_pipe, mtcp_getsockopt,
	mtcp_setsockopt,

	mtcp_app_join, mtcp_bind_monitor_filter, mtcp_register_callback,
	mtcp_define_event, mtcp_alloc_event, mtcp_raise_event,
	mtcp_set_uctx, mtcp_get_uctx, mtcp_peek, mtcp_ppeek,
	mtcp_getlastpkt, mtcp_setlastpkt, mtcp_sendpkt, mtcp_settimer,
	mtcp_cb_get_ts, mtcp_getpeername,

	mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, EventToString,
};

#ifndef __cplusplus
/* 28 + 16 + 4 entries, no more, no fewer. */
_Static_assert(sizeof(struct api_table) == 48 * sizeof(void (*)(void)),
	       "48 calls");
#else
static_assert(sizeof(struct api_table) == 48 * sizeof(void (*)(void)),
	      "48 calls");
#endif
