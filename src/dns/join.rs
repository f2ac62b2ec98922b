//! Waiting for several futures at once, in place (no task spawning, no extra crate).

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Run all `futs` concurrently on the current task; their outputs in the same order.
pub async fn join_all<F: Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut futs: Vec<Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut outs: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (fut, out) in futs.iter_mut().zip(outs.iter_mut()) {
            if out.is_none() {
                match fut.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    // Every slot is Some once poll_fn is ready, so flatten drops nothing.
    outs.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn keeps_order() {
        let futs = (0..4u64)
            .map(|i| async move {
                tokio::time::sleep(std::time::Duration::from_millis(40 - i * 10)).await;
                i
            })
            .collect();
        assert_eq!(super::join_all(futs).await, vec![0, 1, 2, 3]);
    }
}
