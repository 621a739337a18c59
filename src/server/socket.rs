//! A client's TCP socket as its SSH session sees it, carrying the connection's admission slot.
//!
//! russh runs each session in a task of its own that owns the socket, and that task can
//! outlive what the server thinks of the connection (a session stuck in key exchange lives
//! until russh's inactivity timeout). So a slot is not given back when the server gives up on
//! a connection, but when the socket is dropped, i.e. closed: the caps count live sockets.
//! And to give up on a connection the server shuts the socket down itself ([`Killer`]) rather
//! than asking the SSH state machine to.

use std::io;
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;

use crate::limits::StartupSlot;

/// Which cap a connection counts against.
#[derive(Debug, Default)]
pub enum Admission {
    /// Given back (the socket is closed).
    #[default]
    Released,
    /// Still authenticating: one of the `--max-startups`.
    Startup { _slot: StartupSlot },
    /// Authenticated: one of the connections allowed beyond `--max-sessions`.
    Authenticated { _permit: OwnedSemaphorePermit },
}

/// A connection's admission, shared by its socket and its SSH handler (which moves it from
/// startup to authenticated).
#[derive(Clone, Debug, Default)]
pub struct AdmissionCell(Arc<Mutex<Admission>>);

impl AdmissionCell {
    pub fn new(admission: Admission) -> Self {
        Self(Arc::new(Mutex::new(admission)))
    }

    /// Replaces the admission unless it was already released (the socket is gone); returns
    /// whether it was replaced. The old one is dropped, giving its slot back.
    pub fn promote(&self, admission: Admission) -> bool {
        let mut current = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(*current, Admission::Released) {
            return false;
        }
        *current = admission;
        true
    }

    fn release(&self) {
        let old = std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner));
        drop(old);
    }
}

/// The socket handed to russh. Its fields drop in order: the stream (closing the socket),
/// then the slot.
pub struct Socket {
    stream: TcpStream,
    _release: Release,
}

struct Release(AdmissionCell);

impl Drop for Release {
    fn drop(&mut self) {
        self.0.release();
    }
}

impl Socket {
    pub fn new(stream: TcpStream, admission: AdmissionCell) -> Self {
        Self {
            stream,
            _release: Release(admission),
        }
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// A second handle on a socket that can end it from outside the task that owns it: shutting
/// a socket down wakes that task's pending reads and writes (end of file, broken pipe) and
/// tells the client at once. Holds a duplicate file descriptor, so it is kept only while a
/// connection may still need ending (until its showcase starts).
pub struct Killer(std::net::TcpStream);

impl Killer {
    pub fn new(stream: &TcpStream) -> io::Result<Self> {
        Ok(Self(std::net::TcpStream::from(
            stream.as_fd().try_clone_to_owned()?,
        )))
    }

    pub fn kill(self) {
        let _ = self.0.shutdown(Shutdown::Both);
    }
}
