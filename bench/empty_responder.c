/*
 * bench/empty_responder: a FastCGI responder that does nothing but answer.
 * bench/run puts a pool of these behind the stack's nginx in place of the
 * workers, so that one scenario measures what nginx and FastCGI cost a request
 * on their own: it reads the request's body and answers 201 with a fixed body
 * as long as an ingest's, without parsing, a key or a database.
 *
 * Built by bench/run: cc -O2 -o empty_responder empty_responder.c -lfcgi
 */
#include <fcgiapp.h>

static const char answer[] =
	"Status: 201 Created\r\n"
	"Content-Type: application/json\r\n"
	"\r\n"
	"{\"id\":0,\"application_id\":0,\"received_at\":\"1970-01-01T00:00:00.000000Z\"}";

int main(void)
{
	FCGX_Request request;
	char body[4096];

	if (FCGX_Init() != 0 || FCGX_InitRequest(&request, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&request) >= 0) {
		while (FCGX_GetStr(body, sizeof body, request.in) > 0)
			;
		FCGX_PutStr(answer, sizeof answer - 1, request.out);
		FCGX_Finish_r(&request);
	}
	return 0;
}
