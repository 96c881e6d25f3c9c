/*
 * tools/rpc/rpc_server.c — rpcecho-server: the Linux baseline server of
 * the rpcecho program (tools/rpc/rpcecho.x) and of lmbench's lat_rpc
 * program (tools/rpc/latrpc.x), on one UDP socket, with the dispatch
 * functions Debian's rpcgen generates and libtirpc's svc_run — what a user-
 * level Linux RPC server is.
 *
 *   rpcecho-server [--port PORT] [--no-register]
 *
 * It registers both programs with the local rpcbind (portmap SET over the
 * local transport, as every libtirpc server does) unless --no-register,
 * and unregisters them on SIGINT/SIGTERM. RPC_EXIT answers and exits, as
 * lmbench's server does.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "latrpc.h"
#include "rpcecho.h"
#include "rpcutil.h"

void rpcecho_prog_1(struct svc_req *rqstp, SVCXPRT *transp);
void xact_prog_1(struct svc_req *rqstp, SVCXPRT *transp);

static int registered;

static void unregister(void)
{
    if (registered) {
        pmap_unset(RPCECHO_PROG, RPCECHO_VERS);
        pmap_unset(XACT_PROG, XACT_VERS);
        registered = 0;
    }
}

static void on_signal(int sig)
{
    unregister();
    _exit(128 + sig);
}

void *rpcecho_null_1_svc(void *arg, struct svc_req *rq)
{
    static char nothing;
    return &nothing;
}

rpcecho_data *rpcecho_echo_1_svc(rpcecho_data *arg, struct svc_req *rq)
{
    return arg; /* sent from the decoded argument before svc_freeargs frees it */
}

int rpcecho_prog_1_freeresult(SVCXPRT *t, xdrproc_t f, caddr_t r)
{
    return 1;
}

char *rpc_xact_1_svc(char *arg, struct svc_req *rq)
{
    static char answer = 123;
    return &answer;
}

void *rpc_exit_1_svc(void *arg, struct svc_req *rq)
{
    /* lmbench's server answers, then exits */
    svc_sendreply(rq->rq_xprt, (xdrproc_t)xdr_void, NULL);
    unregister();
    exit(0);
}

int xact_prog_1_freeresult(SVCXPRT *t, xdrproc_t f, caddr_t r)
{
    return 1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "port", required_argument, NULL, 'P' },
        { "no-register", no_argument, NULL, 'N' },
        { NULL, 0, NULL, 0 },
    };
    long port = 0;
    int reg = 1, c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'P')
            port = rpcu_number(optarg, 1, 65535, "--port");
        else if (c == 'N')
            reg = 0;
        else {
            fprintf(stderr, "usage: rpcecho-server [--port PORT] [--no-register]\n");
            return 2;
        }
    }
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    if (sock < 0 || bind(sock, (struct sockaddr *)&sin, sizeof sin) != 0) {
        perror("rpcecho-server: bind");
        return 1;
    }
    SVCXPRT *t = svcudp_bufcreate(sock, 16384, 16384);
    if (!t) {
        fprintf(stderr, "rpcecho-server: cannot create the UDP service\n");
        return 1;
    }
    int proto = reg ? IPPROTO_UDP : 0;
    if (reg) {
        pmap_unset(RPCECHO_PROG, RPCECHO_VERS);
        pmap_unset(XACT_PROG, XACT_VERS);
    }
    if (!svc_register(t, RPCECHO_PROG, RPCECHO_VERS, rpcecho_prog_1, proto) ||
        !svc_register(t, XACT_PROG, XACT_VERS, xact_prog_1, proto)) {
        fprintf(stderr,
                "rpcecho-server: cannot register (is rpcbind running? else --no-register)\n");
        return 1;
    }
    registered = reg;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    socklen_t sl = sizeof sin;
    getsockname(sock, (struct sockaddr *)&sin, &sl);
    printf("rpcecho-server: programs %u and %u on UDP port %u%s\n", RPCECHO_PROG, XACT_PROG,
           ntohs(sin.sin_port), reg ? ", registered with rpcbind" : "");
    fflush(stdout);
    svc_run();
    unregister();
    return 1;
}
