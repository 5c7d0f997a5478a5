/*
 * coverpipe: the client end of the constant-cover pipe.  Real data is
 * accepted on SOURCE (from pipemux); blocks go to TARGET (spiped -e).
 * All but the direction is shared with coverpiped: common/covermain.c.
 */
#include "covermain.h"

int
main(int argc, char ** argv)
{

	return (covermain(argc, argv, 1));
}
