/*
 * coverpipe: the client end of the constant-cover pipe.  Real data is
 * accepted on SOURCE (from pipemux); blocks go to TARGET (spiped -e).
 * All but the direction is shared with coverpiped: common/coverprog.c.
 */
#include "coverprog.h"

int
main(int argc, char ** argv)
{

	return (coverprog_main(argc, argv, 1));
}
