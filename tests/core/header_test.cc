/* header_test — each public header compiles alone, in C and C++ (dav1d's header_test). */
#include "cimeter_fit.h"
#include "cimeter.h"
int main(void) { CimErr e; e.code = 0; (void)e; return cim_strerror(CIM_OK)[0] == 'o' ? 0 : 1; }
