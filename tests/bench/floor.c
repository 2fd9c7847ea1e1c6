/*
 * The benchmark's floor: the smallest C FastCGI handler we can write, behind
 * the same nginx as the product. /__floor/hello answers a constant;
 * /__floor/insert runs one prepared INSERT (synchronous commit on). It uses
 * nothing of lib/, so it measures nginx + libfcgi + libpq alone.
 *
 *   floor SOCKET WORKERS CONNINFO
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <libpq-fe.h>

static void
serve(int sock, const char *conninfo)
{
	static const char ok[] = "Status: 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 11\r\n\r\n{\"ok\":true}";
	static const char bad[] = "Status: 500 Internal Server Error\r\n"
	    "Content-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"ok\":false}";
	PGconn *c = PQconnectdb(conninfo);
	PGresult *r;
	FCGX_Request req;
	char buf[4096];

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (PQstatus(c) != CONNECTION_OK)
		_exit(1);
	r = PQprepare(c, "ins", "insert into bench_floor (v) values ($1::text)", 0, NULL);
	PQclear(r);
	FCGX_InitRequest(&req, sock, 0);
	while (FCGX_Accept_r(&req) >= 0) {
		const char *uri = FCGX_GetParam("REQUEST_URI", req.envp);
		int n, good = 1;

		/* Drain the body, as a real handler reads it. */
		while ((n = FCGX_GetStr(buf, sizeof(buf) - 1, req.in)) > 0)
			buf[n] = '\0';
		if (uri != NULL && strstr(uri, "/insert") != NULL) {
			const char *v[1] = { "x" };
			r = PQexecPrepared(c, "ins", 1, v, NULL, NULL, 0);
			good = PQresultStatus(r) == PGRES_COMMAND_OK;
			PQclear(r);
		}
		if (good)
			FCGX_PutStr(ok, sizeof(ok) - 1, req.out);
		else
			FCGX_PutStr(bad, sizeof(bad) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	PQfinish(c);
	_exit(0);
}

int
main(int argc, char **argv)
{
	int sock, n, i;

	if (argc != 4) {
		fprintf(stderr, "usage: floor SOCKET WORKERS CONNINFO\n");
		return 2;
	}
	n = atoi(argv[2]);
	FCGX_Init();
	unlink(argv[1]);
	if ((sock = FCGX_OpenSocket(argv[1], 1024)) < 0)
		return 1;
	chmod(argv[1], 0666);
	/* Workers die with the master (PR_SET_PDEATHSIG), so SIGTERM's
	 * default action on the master stops them all. */
	for (i = 0; i < n; i++)
		if (fork() == 0)
			serve(sock, argv[3]);
	while (wait(NULL) > 0)
		;
	return 0;
}
