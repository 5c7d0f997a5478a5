/*
 * coverpiped: the server end of the constant-cover pipe.  Blocks are
 * accepted on SOURCE (from spiped -d); real data goes to TARGET (pipemuxd).
 * All but the direction is shared with coverpipe: common/coverprog.c.
 */
#include "coverprog.h"

int
main(int argc, char ** argv)
{

	return (coverprog_main(argc, argv, 0));
}
