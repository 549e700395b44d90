"""Reading a school's policy documents and cutting them into passages a phone can show."""
