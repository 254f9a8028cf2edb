/*
 * mtcp_api.h -- libmos runtime, context and end-host socket API.
 *
 * Source compatible with mOS 0.3.  Included by <mtcp_epoll.h>, which is
 * included by <mos_api.h>; programs normally include <mos_api.h> only.
 */
#ifndef MTCP_API_H
#define MTCP_API_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef UNUSED
#define UNUSED(x) (void)x
#endif

#ifndef INPORT_ANY
#define INPORT_ANY (uint16_t)0
#endif

typedef unsigned char byte;

struct mtcp_context {
	int cpu;
};

typedef struct mtcp_context *mctx_t;

typedef void (*mtcp_sighandler_t)(int);

enum socket_type {
	MOS_SOCK_UNUSED = 0,
	MOS_SOCK_STREAM_LISTEN = 1,
	MOS_SOCK_PROXY_LISTEN = 2,
	MOS_SOCK_MONITOR_STREAM = 3,
	MOS_SOCK_STREAM = 4,
	MOS_SOCK_PROXY = 5,
	MOS_SOCK_MONITOR_STREAM_ACTIVE = 6,
	MOS_SOCK_MONITOR_RAW = 7,
	MOS_SOCK_EPOLL = 8,
	MOS_SOCK_PIPE = 9,
};

struct mtcp_conf {
#define APP_NAME_LEN 40
#define MOS_APP 20
	int num_cores;
	int max_concurrency;
	uint64_t cpu_mask;

	int max_num_buffers;
	int rcvbuf_size;
	int sndbuf_size;

	int tcp_timewait;
	int tcp_timeout;

#define MOS_APP_ARGC 20
	uint64_t app_cpu_mask[MOS_APP];
	char *app_argv[MOS_APP][MOS_APP_ARGC];
	int app_argc[MOS_APP];
	int num_app;
};

/* Declared for source compatibility with mOS 0.3; not used by libmos. */
struct app_context {
	mctx_t mctx;
	int socket_id;
	struct conn_filter *cf;
	int ep_id;
};

struct app_ops {
	void (*app_init)(int argc, char **argv);
	void (*thread_init)(mctx_t mctx, void **app_ctx);
	void (*run)(mctx_t mctx, void **app_ctx);
	int enable;
};

/* Runtime and contexts */
int mtcp_init(const char *config_file);
int mtcp_destroy(void);
int mtcp_getconf(struct mtcp_conf *conf);
int mtcp_setconf(const struct mtcp_conf *conf);
int mtcp_core_affinitize(int cpu);
mctx_t mtcp_create_context(int cpu);
int mtcp_destroy_context(mctx_t mctx);
mtcp_sighandler_t mtcp_register_signal(int signum, mtcp_sighandler_t handler);
uint32_t mtcp_get_connection_cnt(mctx_t mctx);

/* Sockets */
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

#ifdef __cplusplus
}
#endif

#endif /* MTCP_API_H */
