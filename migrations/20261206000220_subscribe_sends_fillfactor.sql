-- Pages of the send log are left 30 % free for the claimed and sent versions of their rows, so
-- those updates stay on the page (HOT). Applies to pages written from now on.
ALTER TABLE subscribe_sends SET (fillfactor = 70);
