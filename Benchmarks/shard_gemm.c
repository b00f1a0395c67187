/* Single-threaded OpenBLAS SGEMM on the shapes one training shard runs (784-256-128-10, a
 * batch of 128 split in two), against the whole-batch shapes and a large square product.
 * Shows whether the shards' GEMMs themselves run at the BLAS's rate (docs/benchmarks.md).
 *
 *   gcc -O2 Benchmarks/shard_gemm.c -o /tmp/shard_gemm -l:libopenblas.so.0 && /tmp/shard_gemm
 *
 * Declares cblas_sgemm itself, so no -dev package is needed. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
void cblas_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
void openblas_set_num_threads(int);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
// ColMajor=102, NoTrans=111, Trans=112
static void run(const char*name,int ta,int tb,int m,int n,int k){
  float*a=malloc(4L*m*k*2),*b=malloc(4L*k*n*2),*c=malloc(4L*m*n);
  for(long i=0;i<(long)m*k;i++)a[i]=rand()/(float)RAND_MAX; for(long i=0;i<(long)k*n;i++)b[i]=rand()/(float)RAND_MAX;
  int lda= ta==111? m:k, ldb= tb==111? k:n;
  for(int w=0;w<50;w++) cblas_sgemm(102,ta,tb,m,n,k,1,a,lda,b,ldb,0,c,m);
  int reps=2000; double t=now(); for(int r=0;r<reps;r++) cblas_sgemm(102,ta,tb,m,n,k,1,a,lda,b,ldb,0,c,m); t=now()-t;
  printf("%-28s m=%4d n=%4d k=%4d  %7.1f GFLOP/s  %7.1f us\n",name,m,n,k,2.0*m*n*k*reps/t/1e9,t/reps*1e6);
  free(a);free(b);free(c);
}
int main(){ openblas_set_num_threads(1);
 run("fwd L1 shard64 NN",111,111,256,64,784);
 run("fwd L1 batch128 NN",111,111,256,128,784);
 run("fwd L1 half-rows NN",111,111,128,128,784);
 run("dW1 shard64 NT",111,112,256,784,64);
 run("dW1 batch128 NT",111,112,256,784,128);
 run("dW1 half-cols NT",111,112,256,392,128);
 run("dA1 shard64 TN",112,111,256,64,128);
 run("fwd L2 shard64",111,111,128,64,256);
 run("dW2 shard64 NT",111,112,128,256,64);
 run("big 1024",111,111,1024,1024,1024);
 return 0;}
