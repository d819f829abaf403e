# placeholder, owned by the guest work
