/* requests.c - what the layer under the session (passthrough_api.c, passthrough_raw.c) does with
 * each raw request before libfuse parses it: notes its set-ID kill flags for the thread that will
 * serve it (privs.c), and turns the kernel's TMPFILE into a CREATE of FS_TMPFILE_NAME (libfuse
 * 3.14 has no tmpfile operation; file_ops.c's create knows that name for one). */
#include "requests.h"

#include "privs.h"

#include "kernel_abi.h"

static void tmpfile_request(void *buf, ssize_t len)
{
	struct kabi_in_header *in = buf;
	if (len >= (ssize_t)sizeof(*in) && in->opcode == KABI_OPCODE_TMPFILE)
		in->opcode = KABI_OPCODE_CREATE; /* same arguments: fuse_create_in, then the name */
}

void fs_request_read(void *buf, ssize_t len)
{
	tmpfile_request(buf, len);
	fs_privs_note_request(buf, len);
}
