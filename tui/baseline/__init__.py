"""VM profiles (cited), QEMU measurement and the container-vs-VM arithmetic. No Textual."""
